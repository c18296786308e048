package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wabaguard/wabaguard/internal/server"
	"github.com/wabaguard/wabaguard/internal/store"
)

func runMessages(ctx context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) > 0 && args[0] == "show" {
		return runMessagesShow(ctx, args[1:], stdout)
	}
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprint(stdout, "Inspect messages in the store.\n\nUsage:\n  wabaguard messages show [flags] ID\n\nRun 'wabaguard messages show --help' for its flags.\n")
		return nil
	}
	return usagef("messages", "unknown or missing command (usage: wabaguard messages show [flags] ID)")
}

// messageReport is everything the store knows about one outbound message:
// what `messages show` prints.
type messageReport struct {
	ID            string           `json:"id"`
	MetaID        string           `json:"meta_id,omitempty"`
	MessageStatus string           `json:"message_status,omitempty"` // Meta's, from the send answer
	Tenant        string           `json:"tenant_id"`
	Sender        string           `json:"sender"`
	To            string           `json:"to"`
	WaID          string           `json:"wa_id"`
	Type          string           `json:"type"`
	Category      string           `json:"category,omitempty"`
	State         string           `json:"state"`
	Attempts      int              `json:"attempts"`
	NextAttemptAt *time.Time       `json:"next_attempt_at,omitempty"`
	LastError     *lastError       `json:"last_error,omitempty"`
	CreatedAt     time.Time        `json:"created_at"`
	UpdatedAt     time.Time        `json:"updated_at"`
	Decisions     []reportDecision `json:"decisions"`
	Statuses      []reportStatus   `json:"statuses"`
}

type lastError struct {
	Code   int    `json:"code"`
	Detail string `json:"detail,omitempty"`
}

type reportDecision struct {
	At        time.Time  `json:"at"`
	Outcome   string     `json:"outcome"`
	Rule      string     `json:"rule,omitempty"`
	Code      string     `json:"code,omitempty"`
	GraphCode int        `json:"graph_code,omitempty"`
	Reason    string     `json:"reason,omitempty"`
	Until     *time.Time `json:"until,omitempty"`
}

type reportStatus struct {
	At        time.Time `json:"at"`
	Status    string    `json:"status"`
	ErrorCode int       `json:"error_code,omitempty"`
}

func runMessagesShow(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("messages show", "[flags] ID", `Show what happened to one outbound message: its state, sender and
recipient, delivery attempts and the last error, the policy decisions made
about it, the statuses Meta reported with their times, and Meta's id.
ID is the gateway's id as returned to the client (wamid.…); Meta's own id
for the message is accepted too. It reads the store directly, so it works
while the gateway runs.`, stdout)
	o := configFlags(fs.FlagSet)
	asJSON := fs.Bool("json", false, "print the report as one JSON object")
	// The ID may come before the flags: `messages show wamid.X --json`.
	var id string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:]
	}
	want := 1 // positional arguments left after the flags
	if id != "" {
		want = 0
	}
	if err := fs.parse(args, want, want); err != nil {
		return err
	}
	if id == "" {
		id = fs.Arg(0)
	}
	cfg, err := o.load()
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		return err
	}
	st, err := server.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := buildMessageReport(ctx, st, id)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.writeText(stdout)
}

// findMessage looks id up as the gateway's id, then as Meta's.
func findMessage(ctx context.Context, st store.Store, id string) (store.Message, error) {
	m, err := st.GetMessage(ctx, id)
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return m, err
	}
	refs, rerr := st.MessagesByMetaID(ctx, []string{id})
	if rerr != nil {
		return m, rerr
	}
	if ref, ok := refs[id]; ok {
		return st.GetMessage(ctx, ref.ID)
	}
	return m, fmt.Errorf("no message with id %q (neither the gateway's nor Meta's)", id)
}

func buildMessageReport(ctx context.Context, st store.Store, id string) (*messageReport, error) {
	m, err := findMessage(ctx, st, id)
	if err != nil {
		return nil, err
	}
	rep := &messageReport{
		ID: m.ID, MetaID: m.MetaID, MessageStatus: m.MessageStatus, Tenant: m.TenantID, Sender: m.SenderID, To: m.Input, WaID: m.WaID,
		Type: m.Type, Category: m.Category, State: string(m.State), Attempts: m.Attempts,
		CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(),
		Decisions: []reportDecision{}, Statuses: []reportStatus{},
	}
	if (m.State == store.StateQueued || m.State == store.StateSending) && !m.NextAttemptAt.IsZero() {
		t := m.NextAttemptAt.UTC()
		rep.NextAttemptAt = &t
	}
	if m.ErrorCode != 0 || m.ErrorDetail != "" {
		rep.LastError = &lastError{Code: m.ErrorCode, Detail: m.ErrorDetail}
	}
	decs, err := st.ListDecisions(ctx, store.DecisionFilter{TenantID: m.TenantID, MessageID: m.ID})
	if err != nil {
		return nil, err
	}
	for i := len(decs) - 1; i >= 0; i-- { // oldest first, like the statuses
		d := decs[i]
		rd := reportDecision{At: d.CreatedAt.UTC(), Outcome: string(d.Outcome), Rule: d.Rule, Code: d.Code, GraphCode: d.GraphCode, Reason: d.Reason}
		if !d.Until.IsZero() {
			u := d.Until.UTC()
			rd.Until = &u
		}
		rep.Decisions = append(rep.Decisions, rd)
	}
	evs, err := st.StatusEvents(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	// Webhook times are whole seconds: within one, the lifecycle's order.
	sort.SliceStable(evs, func(i, j int) bool {
		if !evs[i].Timestamp.Equal(evs[j].Timestamp) {
			return evs[i].Timestamp.Before(evs[j].Timestamp)
		}
		return store.MessageState(evs[i].Status).Rank() < store.MessageState(evs[j].Status).Rank()
	})
	for _, e := range evs {
		rep.Statuses = append(rep.Statuses, reportStatus{At: e.Timestamp.UTC(), Status: e.Status, ErrorCode: e.ErrorCode})
	}
	return rep, nil
}

func (r *messageReport) writeText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", k, v) }
	orNone := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	row("message", r.ID)
	row("meta id", orNone(r.MetaID))
	row("state", r.State)
	row("meta status", orNone(r.MessageStatus)) // message_status of Meta's send answer
	row("tenant", r.Tenant)
	row("sender", r.Sender)
	row("recipient", fmt.Sprintf("%s (wa_id %s)", r.To, r.WaID))
	kind := r.Type
	if r.Category != "" {
		kind += " (" + r.Category + ")"
	}
	row("type", kind)
	row("attempts", fmt.Sprint(r.Attempts))
	if r.NextAttemptAt != nil {
		row("next attempt", stamp(*r.NextAttemptAt))
	}
	if r.LastError != nil {
		row("last error", strings.TrimSpace(fmt.Sprintf("%d %s", r.LastError.Code, r.LastError.Detail)))
	} else {
		row("last error", "-")
	}
	row("created", stamp(r.CreatedAt))
	row("updated", stamp(r.UpdatedAt))
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\ndecisions (%d):\n", len(r.Decisions))
	for _, d := range r.Decisions {
		line := "  " + stamp(d.At) + "  " + d.Outcome
		if d.Outcome == string(store.OutcomeAllow) && d.Rule == "" {
			line += "  (every rule passed)"
		}
		for _, part := range []string{d.Rule, d.Code, d.Reason} {
			if part != "" {
				line += "  " + part
			}
		}
		if d.GraphCode != 0 {
			line += fmt.Sprintf("  (Graph code %d)", d.GraphCode)
		}
		if d.Until != nil {
			line += "  until " + stamp(*d.Until)
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintf(w, "\nstatuses (%d):\n", len(r.Statuses))
	for _, s := range r.Statuses {
		line := "  " + stamp(s.At) + "  " + s.Status
		if s.ErrorCode != 0 {
			line += fmt.Sprintf("  error %d", s.ErrorCode)
		}
		fmt.Fprintln(w, line)
	}
	return nil
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
