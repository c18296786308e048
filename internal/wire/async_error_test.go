package wire

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

func TestAsyncError(t *testing.T) {
	tests := []struct {
		name string
		got  StatusError
		want string
	}{
		{"known code", AsyncError(CodeUndeliverable, "gave up"),
			`{"code":131026,"title":"Message undeliverable","message":"Message undeliverable","error_data":{"details":"gave up"},"href":"` + ErrorCodesHref + `"}`},
		{"no details repeats the title", AsyncError(CodeGenericUser, ""),
			`{"code":131000,"title":"Something went wrong","message":"Something went wrong","error_data":{"details":"Something went wrong"},"href":"` + ErrorCodesHref + `"}`},
		{"from a synchronous error", AsyncErrorOf(NewError(CodeThroughput, "Cloud API message throughput has been reached.")),
			`{"code":130429,"title":"Rate limit hit","message":"Rate limit hit","error_data":{"details":"Cloud API message throughput has been reached."},"href":"` + ErrorCodesHref + `"}`},
		{"unknown code keeps Meta's title", AsyncErrorOf(&Error{Code: 130472, Message: "(#130472) User's number is part of an experiment",
			ErrorData: &ErrorData{Details: "Failed to send message because this user's phone number is part of an experiment"}}),
			`{"code":130472,"title":"User's number is part of an experiment","message":"User's number is part of an experiment","error_data":{"details":"Failed to send message because this user's phone number is part of an experiment"},"href":"` + ErrorCodesHref + `"}`},
		{"unknown code without a title", AsyncErrorOf(&Error{Code: 777, Message: "boom"}),
			`{"code":777,"title":"Error","message":"Error","error_data":{"details":"Error"},"href":"` + ErrorCodesHref + `"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.got)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.want {
				t.Fatalf("got  %s\nwant %s", b, tc.want)
			}
		})
	}
}

// TestAsyncErrorMatchesMeta compares the builder with a failed status Meta
// sent: the same keys in the same order, and the same values for the same
// input.
func TestAsyncErrorMatchesMeta(t *testing.T) {
	raw, err := os.ReadFile("testdata/meta/pywa/message_status.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx map[string]struct {
		Entry []struct {
			Changes []struct {
				Value struct {
					Statuses []struct {
						Errors []json.RawMessage `json:"errors"`
					} `json:"statuses"`
				} `json:"value"`
			} `json:"changes"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(raw, &fx); err != nil {
		t.Fatal(err)
	}
	metaErr := fx["failed"].Entry[0].Changes[0].Value.Statuses[0].Errors[0]
	var want StatusError
	if err := json.Unmarshal(metaErr, &want); err != nil {
		t.Fatal(err)
	}
	got := AsyncErrorOf(&Error{Code: want.Code, Message: "(#130472) " + want.Title,
		ErrorData: &ErrorData{Details: want.ErrorData.Details}})
	gb, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	// Byte for byte, once Meta's indentation is taken out.
	var compact bytes.Buffer
	if err := json.Compact(&compact, metaErr); err != nil {
		t.Fatal(err)
	}
	if string(gb) != compact.String() {
		t.Fatalf("got  %s\nmeta %s", gb, compact.String())
	}
}
