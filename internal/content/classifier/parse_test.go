package classifier

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseTrainingFile(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []Example
		errs    []string // each a substring of one listed line error, in order
		errMore int
	}{
		{"jsonl", `{"text":"Oi, tudo bem?","label":"ham","lang":"pt-BR"}` + "\n\n" + `{"text":"WIN now","label":"SPAM"}` + "\n",
			[]Example{{"Oi, tudo bem?", Ham, "pt-BR"}, {"WIN now", Spam, ""}}, nil, 0},
		{"csv with header", "text,label,lang\n\"Pay at bit.ly/x, now\",smishing,en\nhello,ham\n",
			[]Example{{"Pay at bit.ly/x, now", Smishing, "en"}, {"hello", Ham, ""}}, nil, 0},
		{"csv without header", "hello,ham\n", []Example{{"hello", Ham, ""}}, nil, 0},
		{"jsonl faults by line", `{"text":"a","label":"ham"}` + "\n" + `{"text":"b","label":"phish"}` + "\n" + `{"label":"ham"}` + "\n" + `not json` + "\n" + `{"text":"","label":"ham","lang":"fr"}`,
			nil, []string{`line 2: label: "phish"`, "line 3: text: is missing", "line 4: not a JSON object", "line 5: text: is empty", `line 5: lang: "fr"`}, 0},
		{"jsonl wrong type", `{"text":7,"label":"ham"}`, nil, []string{"line 1: text: must be a string"}, 0},
		{"csv faults by line", "text,label\nok,ham\nx,maybe\nonly-one-column\n", nil, []string{`line 3: label: "maybe"`, "line 4: 1 columns"}, 0},
		{"csv bad quoting", "a,ham\n\"b,spam\n", nil, []string{"line 2"}, 0},
		{"too long", `{"text":"` + strings.Repeat("a", MaxTextLen+1) + `","label":"ham"}`, nil, []string{"line 1: text: is 4097 bytes long"}, 0},
		{"empty", " \n", nil, []string{"no examples"}, 0},
		{"header only", "text,label\n", nil, []string{"no examples"}, 0},
		{"many faults", strings.Repeat("x,bad\n", 25), nil, slices.Repeat([]string{"label"}, maxReportedErrors), 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTrainingFile(strings.NewReader(tc.in))
			if tc.errs == nil {
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, tc.want) {
					t.Fatalf("got %+v, want %+v", got, tc.want)
				}
				return
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *ParseError", err)
			}
			if got != nil {
				t.Errorf("%d examples returned with the error", len(got))
			}
			if len(pe.Lines) != len(tc.errs) || pe.More != tc.errMore {
				t.Fatalf("errors %v (+%d more), want %d (+%d)", pe.Lines, pe.More, len(tc.errs), tc.errMore)
			}
			for i, want := range tc.errs {
				if !strings.Contains(pe.Lines[i].Error(), want) {
					t.Errorf("error %d = %q, want it to contain %q", i, pe.Lines[i].Error(), want)
				}
			}
		})
	}
}
