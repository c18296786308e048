package appeal

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// WritePDF writes the report as a PDF: the same sections as the HTML,
// the charts as PNG from the same library. The core fonts speak
// Windows-1252, which covers pt-BR and es; anything else is replaced.
func WritePDF(w io.Writer, d *Dossier, lang string) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCreationDate(d.GeneratedAt)
	pdf.SetModificationDate(d.GeneratedAt)
	pdf.SetTitle(label(lang, "title")+" "+d.Sender.DisplayPhoneNumber, true)
	pdf.SetAutoPageBreak(true, 15)
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	pdf.AddPage()
	h1 := func(s string) {
		pdf.SetFont("Helvetica", "B", 13)
		pdf.Ln(3)
		pdf.MultiCell(0, 7, tr(s), "", "L", false)
		pdf.SetFont("Helvetica", "", 9)
	}
	p := func(format string, args ...any) {
		pdf.MultiCell(0, 4.5, tr(fmt.Sprintf(format, args...)), "", "L", false)
	}
	ts := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04Z")
	}
	pdf.SetFont("Helvetica", "B", 16)
	pdf.MultiCell(0, 9, tr(label(lang, "title")), "", "L", false)
	pdf.SetFont("Helvetica", "", 9)
	s := d.Sender
	p("%s: %s · phone_number_id %s · WABA %s · %s %s %s", label(lang, "number"), s.DisplayPhoneNumber, s.PhoneNumberID, s.WABAID, s.Status, s.Quality, s.Health)
	p("%s: %s – %s · %s", label(lang, "window"), ts(d.Window.From), ts(d.Window.To), ts(d.GeneratedAt))
	if d.Incident != nil {
		p("incident %s (%s) %s – %s", d.Incident.ID, d.Incident.Kind, ts(d.Incident.Opened), ts(d.Incident.Closed))
	}
	if len(d.Missing) > 0 {
		h1(label(lang, "missing"))
		for _, m := range d.Missing {
			p("- %s", m.Text[lang])
		}
	}
	h1(label(lang, "volumes"))
	if png, err := volumeChart(d, true); err != nil {
		return err
	} else if err := image(pdf, "volumes", png, 180); err != nil {
		return err
	}
	t := d.Totals
	p("marketing %d · utility %d · authentication %d · service %d · accepted %d · failed %d", t.Marketing, t.Utility, t.Authentication, t.Service, t.Accepted, t.Failed)
	var rows []string
	for _, day := range d.Days {
		if day.Accepted > 0 {
			rows = append(rows, fmt.Sprintf("%s: %d/%d/%d/%d (%d, %d)", day.Day, day.Marketing, day.Utility, day.Authentication, day.Service, day.Accepted, day.Failed))
		}
	}
	if len(rows) > 0 {
		p("%s", strings.Join(rows, " · "))
	}
	h1(label(lang, "limit"))
	l := d.Limit
	p("tier %s (%d, %s) · peak %d %s · days over: %d", orDash(l.Tier), l.Limit, orDash(l.Source), l.PeakBusinessInitiated, l.PeakDay, l.DaysOverLimit)
	h1(label(lang, "consent"))
	c := d.Consent
	p("%s", c.Verification.String())
	p("%d / %d (%s%%) · service only: %d", c.WithOptIn, c.Recipients, num(c.Percent), c.ServiceRecipients)
	for _, ci := range c.ByCategory {
		p("  %s: %d / %d (%s%%)", ci.Category, ci.WithOptIn, ci.Recipients, num(ci.Percent))
	}
	h1(label(lang, "optouts"))
	o := d.OptOuts
	p("recorded %d · of recipients %d · honoured %d · messaged after %d (%d messages, max %s s) · suppression refusals %d",
		o.Recorded, o.OfRecipients, o.Honoured, o.MessagedAfter, o.MessagesAfter, num(o.MaxLatencySeconds), o.SuppressionRefusals)
	h1(label(lang, "failures"))
	if len(d.Failures) == 0 {
		p("%s", label(lang, "none"))
	} else {
		png, err := failureChart(d, true)
		if err != nil {
			return err
		}
		if err := image(pdf, "failures", png, 180); err != nil {
			return err
		}
		for _, f := range d.Failures {
			p("%d × %d: %s (%s)", f.Code, f.Count, f.Title, f.Source)
		}
	}
	h1(label(lang, "templates"))
	if len(d.Templates) == 0 {
		p("%s", label(lang, "none"))
	}
	for _, tp := range d.Templates {
		p("%s (%s): %d · %s %s %s", orDash(tp.Name), tp.Language, tp.Count, tp.Category, tp.Status, tp.Quality)
		for _, e := range tp.History {
			p("    %s %s %s", ts(e.At), e.Event, e.Detail)
		}
	}
	h1(label(lang, "content"))
	if len(d.Content) == 0 {
		p("%s", label(lang, "none"))
	}
	for _, f := range d.Content {
		p("%s %s × %d (%s – %s)", f.Outcome, f.Code, f.Count, ts(f.First), ts(f.Last))
	}
	h1(label(lang, "actions"))
	if len(d.Actions) == 0 {
		p("%s", label(lang, "none"))
	}
	for _, e := range d.Actions {
		p("%s %s %s × %d %s", ts(e.At), e.Kind, e.Event, e.Count, e.Detail)
	}
	h1(label(lang, "meta"))
	if len(d.MetaEvents) == 0 {
		p("%s", label(lang, "none"))
	}
	for _, e := range d.MetaEvents {
		p("%s %s %s %s", ts(e.At), e.Kind, e.Event, e.Detail)
	}
	h1(label(lang, "appeal"))
	for _, l := range Langs {
		pdf.SetFont("Helvetica", "B", 9)
		p("%s", l)
		pdf.SetFont("Helvetica", "", 9)
		p("%s", d.Appeal.Texts[l])
		pdf.Ln(2)
	}
	h1(label(lang, "path"))
	for i, st := range d.Appeal.Path[lang] {
		p("%d. %s %s: %s", i+1, st.Where, st.URL, st.What)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return fmt.Errorf("appeal: pdf: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func image(pdf *fpdf.Fpdf, name string, png []byte, width float64) error {
	opt := fpdf.ImageOptions{ImageType: "PNG", ReadDpi: false}
	pdf.RegisterImageOptionsReader(name, opt, bytes.NewReader(png))
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("appeal: pdf chart: %w", err)
	}
	pdf.ImageOptions(name, pdf.GetX(), pdf.GetY(), width, 0, true, opt, 0, "")
	return nil
}
