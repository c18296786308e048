package server

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// The brakes through the whole gateway — API, intake, send-time stage,
// dispatcher, webhooks from the simulator: with every business-initiated
// message of the number paused, a reply inside the person's open window
// still reaches Meta while a message to someone without a window is held;
// the incident the pause opened lists with its timeline and closes on the
// resume.
func TestBrakesThroughTheGateway(t *testing.T) {
	t.Parallel()
	srv := startServer(t, nil)
	key := srv.First.APIKey
	api := srv.URL() + "/api/v1"
	send := func(to, text string) (int, string) {
		return call(t, "POST", srv.URL()+"/v23.0/"+DemoPhoneNumberID+"/messages", key,
			`{"messaging_product":"whatsapp","to":"`+to+`","type":"text","text":{"body":"`+text+`"}}`)
	}
	sentTo := func(text string) bool {
		for _, r := range srv.sim.Sent() {
			if r.Body == text {
				return true
			}
		}
		return false
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 20 s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	if status, body := call(t, "POST", api+"/senders/"+DemoPhoneNumberID+"/pause?level=sometimes", key, ""); status != 400 {
		t.Errorf("pause with an unknown level: %d %s", status, body)
	}
	if status, _ := call(t, "POST", api+"/senders/109999999999999/pause", key, ""); status != 404 {
		t.Errorf("pause of a sender the tenant does not own: %d", status)
	}
	status, body := call(t, "POST", api+"/senders/"+DemoPhoneNumberID+"/pause?level=business", key, "")
	if status != 200 || !strings.Contains(body, `"level":"pause_business"`) || !strings.Contains(body, `"manual":true`) {
		t.Fatalf("pause: %d %s", status, body)
	}
	if status, _ := call(t, "POST", api+"/senders/"+DemoPhoneNumberID+"/pause?level=marketing", key, ""); status != 409 {
		t.Errorf("a lower pause over a higher one: %d, want 409", status)
	}

	// The person writes: their window opens.
	const person = "5511987654321"
	if _, err := srv.sim.Inbound(DemoPhoneNumberID, person, "oi, ainda tem?"); err != nil {
		t.Fatal(err)
	}
	waitFor("the window opens", func() bool {
		at, err := srv.Store().GetWindow(t.Context(), DemoPhoneNumberID, person)
		return err == nil && !at.IsZero()
	})
	if status, body := send("+5511912345678", "held while paused"); status != 200 {
		t.Fatalf("a send outside a window while paused: %d %s (accepted and held, not refused)", status, body)
	}
	if status, body := send("+"+person, "reply in the window"); status != 200 {
		t.Fatalf("a reply while paused: %d %s", status, body)
	}
	waitFor("the reply reaches Meta", func() bool { return sentTo("reply in the window") })
	if sentTo("held while paused") {
		t.Error("a business-initiated message went out while the number was paused")
	}

	// The pause opened an incident; the API lists and shows it.
	status, body = call(t, "GET", api+"/incidents?phone_number_id="+DemoPhoneNumberID, key, "")
	var list struct {
		Data []struct {
			ID, Kind, State string
		} `json:"data"`
	}
	if status != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list.Data) != 1 || list.Data[0].Kind != "pause" || list.Data[0].State != "open" {
		t.Fatalf("incidents: %d %s", status, body)
	}
	id := list.Data[0].ID
	if status, body := call(t, "GET", api+"/incidents/"+id, key, ""); status != 200 || !strings.Contains(body, `"name":"brake.pause_business"`) {
		t.Errorf("incident: %d %s", status, body)
	}
	if status, _ := call(t, "GET", api+"/incidents/inc_nope", key, ""); status != 404 {
		t.Errorf("unknown incident: %d, want 404", status)
	}

	status, body = call(t, "POST", api+"/senders/"+DemoPhoneNumberID+"/resume", key, "")
	if status != 200 || !strings.Contains(body, `"level":"none"`) || !strings.Contains(body, `"warmup_until"`) {
		t.Fatalf("resume: %d %s", status, body)
	}
	if status, _ := call(t, "POST", api+"/senders/"+DemoPhoneNumberID+"/resume", key, ""); status != 409 {
		t.Errorf("a second resume: %d, want 409", status)
	}
	in, err := srv.Store().Incident(t.Context(), DemoTenantID, id)
	if err != nil || in.Open() {
		t.Errorf("incident after the resume: %+v %v", in, err)
	}
	if f := srv.compliance.risk.RateFactor(DemoPhoneNumberID); f >= 1 {
		t.Errorf("rate factor right after the resume %v, want the warm-up's", f)
	}
	// The tenant heard both changes.
	snd, err := srv.Store().GetSender(t.Context(), DemoPhoneNumberID)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := srv.Store().EventForwards(t.Context(), DemoTenantID, snd.WABAID, []string{"wabaguard_sender_state"}, 10)
	if err != nil {
		t.Fatal(err)
	}
	var events []string
	for _, f := range fs {
		var v struct{ Event string }
		_ = json.Unmarshal(f.Value, &v)
		events = append(events, v.Event)
	}
	if !strings.Contains(strings.Join(events, ","), "SENDER_BUSINESS_PAUSED") || !strings.Contains(strings.Join(events, ","), "SENDER_RESUMED") {
		t.Errorf("sender events %v", events)
	}
}
