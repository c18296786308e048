package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wabaguard/wabaguard/internal/server"
	"github.com/wabaguard/wabaguard/internal/sim"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// runSimSay is `wabaguard sim say`: a simulated person writes to a business
// number. By default it goes through the gateway's demo endpoint (the
// simulator embedded in `serve`); with --sim, straight to a standalone one.
func runSimSay(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("sim say", "--from NUMBER (--text TEXT | --media FILE) [flags]", `Play the customer: a simulated person sends a text, or a photo, video,
voice note or document, to a business number. The simulator opens the 24-hour customer-service window of (number, person),
as Meta does, and sends the signed messages webhook to the gateway, so that a
free-form reply from the business is delivered instead of failing 131047.
Against 'wabaguard serve' in zero-config (demo) mode it needs nothing else.`, stdout)
	from := fs.String("from", "", "the person's phone `number`, e.g. +5511987654321 (required)")
	text := fs.String("text", "", "what the person writes (required without --media; with it, the caption)")
	mediaFile := fs.String("media", "", "send this `file` instead: an image, video or audio by its extension, anything else as a document")
	to := fs.String("to", server.DemoPhoneNumberID, "the business's phone_number_id written to")
	gateway := fs.String("gateway", "http://127.0.0.1:8080", "base `URL` of a gateway in demo mode (uses its POST "+server.DemoSayPath+")")
	simURL := fs.String("sim", "", "base `URL` of a standalone 'wabaguard sim' instead of a gateway (uses its POST /sim/say)")
	timeout := fs.Duration("timeout", 10*time.Second, "give up after this long")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := fs.parse(args, 0, 0); err != nil {
		return err
	}
	if *from == "" || (*text == "" && *mediaFile == "") {
		return usagef("sim say", "--from, and --text or --media, are required")
	}
	say := sim.SayRequest{From: *from, ToPhoneNumberID: *to, Text: *text}
	if *mediaFile != "" {
		m, err := sayMedia(*mediaFile)
		if err != nil {
			return fmt.Errorf("sim say: %w", err)
		}
		say.Media = m
	}
	url := strings.TrimRight(*gateway, "/") + server.DemoSayPath
	if *simURL != "" {
		url = strings.TrimRight(*simURL, "/") + "/sim/say"
	}
	body, err := json.Marshal(say)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("sim say: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("sim say: %w (is the gateway running in demo mode at %s?)", err, *gateway)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("sim say: reading the answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		msg := string(bytes.TrimSpace(raw))
		var env wire.ErrorEnvelope
		if json.Unmarshal(raw, &env) == nil && env.Error != nil {
			msg = env.Error.Error()
		}
		// A gateway not in demo mode routes the path as a Graph call it
		// does not know (or asks for a token): say why, not just what.
		if *simURL == "" && (resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed ||
			resp.StatusCode == http.StatusUnauthorized || strings.Contains(msg, "Unknown path")) {
			return fmt.Errorf("sim say: %s answered %d: the gateway is not in demo mode (it has tenants configured or no built-in simulator); use --sim with a standalone simulator", url, resp.StatusCode)
		}
		return fmt.Errorf("sim say: %s answered %d: %s", url, resp.StatusCode, msg)
	}
	var res struct {
		sim.SayResult
		Recorded *bool  `json:"recorded_by_gateway"`
		Consent  string `json:"consent"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		return fmt.Errorf("sim say: the answer is not JSON: %w", err)
	}
	if *asJSON {
		_, err := stdout.Write(append(bytes.TrimSpace(raw), '\n'))
		return err
	}
	if say.Media != nil {
		fmt.Fprintf(stdout, "%s sent %s %s (%s) to %s (inbound %s, media %s)\n", res.WaID, article(say.Media.Type), say.Media.Type, say.Media.MimeType, res.PhoneNumberID, res.MessageID, res.MediaID)
		fmt.Fprintf(stdout, "fetch it with your key: GET /v23.0/%s answers its url, on the gateway\n", res.MediaID)
	} else {
		fmt.Fprintf(stdout, "%s wrote to %s: %q (inbound %s)\n", res.WaID, res.PhoneNumberID, *text, res.MessageID)
	}
	fmt.Fprintf(stdout, "the 24-hour window is open until %s\n", res.WindowUntil.Local().Format(time.RFC3339))
	switch {
	case res.Recorded == nil:
	case *res.Recorded && res.Consent == "opted_out":
		fmt.Fprintf(stdout, "the gateway has recorded it as an opt-out: nothing is sent to %s until they opt in again\n", res.WaID)
	case *res.Recorded && res.Consent == "erased":
		fmt.Fprintf(stdout, "the gateway has recorded it, but %s's data was erased: nothing is sent to them until they opt in again\n", res.WaID)
	case *res.Recorded && res.Consent == "opted_out_marketing":
		fmt.Fprintf(stdout, "the gateway has recorded it: a free-form text to %s is delivered now; they opted out of marketing\n", res.WaID)
	case *res.Recorded:
		fmt.Fprintf(stdout, "the gateway has recorded it: a free-form text to %s is delivered now\n", res.WaID)
	default:
		fmt.Fprintln(stdout, "the gateway has not processed the webhook yet; check its log for webhook errors")
	}
	return nil
}

// sayMedia reads a file for --media: its MIME type from its extension, its
// WhatsApp type from the MIME type's family.
func sayMedia(path string) (*sim.SayMedia, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(data) > maxSayFile {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, maxSayFile)
	}
	mt, _, _ := mime.ParseMediaType(mime.TypeByExtension(filepath.Ext(path)))
	if mt == "" {
		mt = "application/octet-stream"
	}
	m := &sim.SayMedia{Type: "document", MimeType: mt, Data: data, Filename: filepath.Base(path)}
	switch family, _, _ := strings.Cut(mt, "/"); family {
	case "image", "video", "audio":
		m.Type, m.Filename = family, ""
	}
	return m, nil
}

// maxSayFile keeps --media within a say request (sim.MaxSayBody in base64).
const maxSayFile = sim.MaxSayBody/4*3 - 4<<10

func article(word string) string {
	if strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}
