package appeal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"time"

	"github.com/go-analyze/charts"
)

// Formats a dossier is written in.
const (
	FormatHTML = "html"
	FormatPDF  = "pdf"
	FormatJSON = "json"
)

// ValidFormat reports whether f is one of the formats.
func ValidFormat(f string) bool { return f == FormatHTML || f == FormatPDF || f == FormatJSON }

// ContentType is the media type of a format.
func ContentType(f string) string {
	switch f {
	case FormatHTML:
		return "text/html; charset=utf-8"
	case FormatPDF:
		return "application/pdf"
	}
	return "application/json"
}

// Write writes the dossier in format, its headings in lang.
func Write(w io.Writer, d *Dossier, format, lang string) error {
	if !ValidLang(lang) {
		lang = Langs[0]
	}
	switch format {
	case FormatHTML:
		return WriteHTML(w, d, lang)
	case FormatPDF:
		return WritePDF(w, d, lang)
	case FormatJSON:
		return WriteJSON(w, d)
	}
	return fmt.Errorf("appeal: unknown format %q", format)
}

// WriteJSON writes every figure the report shows.
func WriteJSON(w io.Writer, d *Dossier) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return fmt.Errorf("appeal: json: %w", err)
	}
	return nil
}

// chart renders the daily business-initiated and service messages that
// Meta took, one bar per category, in SVG or PNG.
func volumeChart(d *Dossier, png bool) ([]byte, error) {
	labels := make([]string, len(d.Days))
	vals := make([][]float64, 4)
	for j := range vals {
		vals[j] = make([]float64, len(d.Days))
	}
	for i, day := range d.Days {
		labels[i] = day.Day[5:]
		vals[0][i], vals[1][i], vals[2][i], vals[3][i] = float64(day.Marketing), float64(day.Utility), float64(day.Authentication), float64(day.Service)
	}
	return render(labels, Categories, vals, png, 900, 340)
}

// failureChart renders the failures by code.
func failureChart(d *Dossier, png bool) ([]byte, error) {
	if len(d.Failures) == 0 {
		return nil, nil
	}
	labels := make([]string, len(d.Failures))
	vals := [][]float64{make([]float64, len(d.Failures))}
	for i, f := range d.Failures {
		labels[i], vals[0][i] = strconv.Itoa(f.Code), float64(f.Count)
	}
	return render(labels, []string{"failed"}, vals, png, 900, 280)
}

func render(labels, series []string, vals [][]float64, png bool, w, h int) ([]byte, error) {
	out := charts.SVGOutputOptionFunc()
	if png {
		out = charts.PNGOutputOptionFunc()
	}
	p, err := charts.BarRender(vals, out,
		charts.DimensionsOptionFunc(w, h),
		charts.XAxisLabelsOptionFunc(labels),
		charts.LegendLabelsOptionFunc(series),
		charts.ThemeNameOptionFunc(charts.ThemeLight),
	)
	if err != nil {
		return nil, fmt.Errorf("appeal: chart: %w", err)
	}
	b, err := p.Bytes()
	if err != nil {
		return nil, fmt.Errorf("appeal: chart: %w", err)
	}
	return b, nil
}

// labels are the report's headings.
var labels = map[string]map[string]string{
	"title":     {"pt-BR": "Dossiê de apelação", "en": "Appeal dossier", "es": "Expediente de apelación"},
	"number":    {"pt-BR": "Número", "en": "Number", "es": "Número"},
	"window":    {"pt-BR": "Período", "en": "Window", "es": "Período"},
	"missing":   {"pt-BR": "Dados ausentes", "en": "Missing data", "es": "Datos ausentes"},
	"volumes":   {"pt-BR": "Volumes diários por categoria", "en": "Daily volumes by category", "es": "Volúmenes diarios por categoría"},
	"limit":     {"pt-BR": "Limite de mensagens", "en": "Messaging limit", "es": "Límite de mensajes"},
	"consent":   {"pt-BR": "Consentimento", "en": "Consent", "es": "Consentimiento"},
	"optouts":   {"pt-BR": "Opt-outs", "en": "Opt-outs", "es": "Bajas (opt-out)"},
	"failures":  {"pt-BR": "Códigos de falha", "en": "Failure codes", "es": "Códigos de fallo"},
	"templates": {"pt-BR": "Modelos usados", "en": "Templates used", "es": "Plantillas usadas"},
	"content":   {"pt-BR": "Verificação de conteúdo", "en": "Content checks", "es": "Verificación de contenido"},
	"actions":   {"pt-BR": "Ações do wabaguard", "en": "wabaguard's actions", "es": "Acciones de wabaguard"},
	"meta":      {"pt-BR": "Eventos da Meta", "en": "Meta's events", "es": "Eventos de Meta"},
	"appeal":    {"pt-BR": "Texto da apelação", "en": "Appeal text", "es": "Texto de la apelación"},
	"path":      {"pt-BR": "Onde apelar", "en": "Where to appeal", "es": "Dónde apelar"},
	"none":      {"pt-BR": "Nenhum.", "en": "None.", "es": "Ninguno."},
}

func label(lang, key string) string { return labels[key][lang] }

type htmlData struct {
	D       *Dossier
	Lang    string
	L       func(string) string
	Volumes template.HTML
	Fails   template.HTML
}

var page = template.Must(template.New("dossier").Funcs(template.FuncMap{
	"t": func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04:05Z")
	},
}).Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{call $.L "title"}} {{.D.Sender.DisplayPhoneNumber}}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;color:#111}
table{border-collapse:collapse;width:100%;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .4em;text-align:left;font-size:.9em}
.missing{background:#fff4e5;border-left:4px solid #e8a33d;padding:.5em 1em}
pre{white-space:pre-wrap;background:#f6f6f6;padding:1em}
@media print{section{break-inside:avoid}}
</style></head><body>
<h1>{{call $.L "title"}}</h1>
<p>{{call $.L "number"}}: <b>{{.D.Sender.DisplayPhoneNumber}}</b> · phone_number_id {{.D.Sender.PhoneNumberID}} · WABA {{.D.Sender.WABAID}} · {{.D.Sender.Status}} {{.D.Sender.Quality}} {{.D.Sender.Health}}<br>
{{call $.L "window"}}: {{t .D.Window.From}} – {{t .D.Window.To}}{{with .D.Incident}} · incident {{.ID}} ({{.Kind}}){{end}} · {{t .D.GeneratedAt}}</p>
{{if .D.Missing}}<section class="missing" id="missing"><h2>{{call $.L "missing"}}</h2><ul>{{range .D.Missing}}<li data-key="{{.Key}}">{{index .Text $.Lang}}</li>{{end}}</ul></section>{{end}}
<section id="volumes"><h2>{{call $.L "volumes"}}</h2>
<figure class="chart">{{.Volumes}}</figure>
<table><tr><th>day</th><th>marketing</th><th>utility</th><th>authentication</th><th>service</th><th>accepted</th><th>failed</th></tr>
{{range .D.Days}}<tr><td>{{.Day}}</td><td>{{.Marketing}}</td><td>{{.Utility}}</td><td>{{.Authentication}}</td><td>{{.Service}}</td><td>{{.Accepted}}</td><td>{{.Failed}}</td></tr>{{end}}
<tr><th>Σ</th><th>{{.D.Totals.Marketing}}</th><th>{{.D.Totals.Utility}}</th><th>{{.D.Totals.Authentication}}</th><th>{{.D.Totals.Service}}</th><th>{{.D.Totals.Accepted}}</th><th>{{.D.Totals.Failed}}</th></tr></table></section>
<section id="limit"><h2>{{call $.L "limit"}}</h2><p>{{with .D.Limit}}tier {{if .Tier}}{{.Tier}} ({{.Limit}}, {{.Source}}){{else}}-{{end}} · peak {{.PeakBusinessInitiated}} {{.PeakDay}} · days over: {{.DaysOverLimit}}{{end}}</p></section>
<section id="consent"><h2>{{call $.L "consent"}}</h2><p>{{.D.Consent.Verification.String}}</p>
<p>{{.D.Consent.WithOptIn}} / {{.D.Consent.Recipients}} ({{.D.Consent.Percent}}%) · service only: {{.D.Consent.ServiceRecipients}}</p>
<table><tr><th>category</th><th>recipients</th><th>opt-in</th><th>%</th></tr>{{range .D.Consent.ByCategory}}<tr><td>{{.Category}}</td><td>{{.Recipients}}</td><td>{{.WithOptIn}}</td><td>{{.Percent}}</td></tr>{{end}}</table></section>
<section id="optouts"><h2>{{call $.L "optouts"}}</h2>{{with .D.OptOuts}}<p>recorded {{.Recorded}} · of recipients {{.OfRecipients}} · honoured {{.Honoured}} · messaged after {{.MessagedAfter}} ({{.MessagesAfter}} messages, max {{.MaxLatencySeconds}} s) · suppression refusals {{.SuppressionRefusals}}</p>
{{if .Items}}<table><tr><th>seq</th><th>at</th><th>category</th><th>messages after</th><th>last</th><th>s</th></tr>{{range .Items}}<tr><td>{{.Seq}}</td><td>{{t .At}}</td><td>{{.Category}}</td><td>{{.MessagesAfter}}</td><td>{{t .LastSentAfter}}</td><td>{{.LatencySeconds}}</td></tr>{{end}}</table>{{end}}{{end}}</section>
<section id="failures"><h2>{{call $.L "failures"}}</h2>{{if .D.Failures}}<figure class="chart">{{.Fails}}</figure>
<table><tr><th>code</th><th>count</th><th>meaning</th><th>source</th></tr>{{range .D.Failures}}<tr><td>{{.Code}}</td><td>{{.Count}}</td><td>{{.Title}}</td><td>{{.Source}}</td></tr>{{end}}</table>{{else}}<p>{{call $.L "none"}}</p>{{end}}</section>
<section id="templates"><h2>{{call $.L "templates"}}</h2>{{if .D.Templates}}<table><tr><th>name</th><th>language</th><th>messages</th><th>category</th><th>status</th><th>quality</th><th>history</th></tr>
{{range .D.Templates}}<tr><td>{{.Name}}</td><td>{{.Language}}</td><td>{{.Count}}</td><td>{{.Category}}</td><td>{{.Status}}</td><td>{{.Quality}}</td><td>{{range .History}}{{t .At}} {{.Event}} {{.Detail}}<br>{{end}}</td></tr>{{end}}</table>{{else}}<p>{{call $.L "none"}}</p>{{end}}</section>
<section id="content"><h2>{{call $.L "content"}}</h2>{{if .D.Content}}<table><tr><th>outcome</th><th>code</th><th>count</th><th>first</th><th>last</th></tr>{{range .D.Content}}<tr><td>{{.Outcome}}</td><td>{{.Code}}</td><td>{{.Count}}</td><td>{{t .First}}</td><td>{{t .Last}}</td></tr>{{end}}</table>{{else}}<p>{{call $.L "none"}}</p>{{end}}</section>
<section id="actions"><h2>{{call $.L "actions"}}</h2>{{if .D.Actions}}<table><tr><th>at</th><th>kind</th><th>code</th><th>count</th><th>detail</th></tr>{{range .D.Actions}}<tr><td>{{t .At}}</td><td>{{.Kind}}</td><td>{{.Event}}</td><td>{{.Count}}</td><td>{{.Detail}}</td></tr>{{end}}</table>{{else}}<p>{{call $.L "none"}}</p>{{end}}</section>
<section id="meta"><h2>{{call $.L "meta"}}</h2>{{if .D.MetaEvents}}<table><tr><th>at</th><th>field</th><th>event</th><th>detail</th></tr>{{range .D.MetaEvents}}<tr><td>{{t .At}}</td><td>{{.Kind}}</td><td>{{.Event}}</td><td>{{.Detail}}</td></tr>{{end}}</table>{{else}}<p>{{call $.L "none"}}</p>{{end}}</section>
<section id="appeal"><h2>{{call $.L "appeal"}}</h2>{{range $l, $txt := .D.Appeal.Texts}}<h3>{{$l}}</h3><pre lang="{{$l}}">{{$txt}}</pre>{{end}}</section>
<section id="path"><h2>{{call $.L "path"}}</h2><ol>{{range index .D.Appeal.Path .Lang}}<li><b>{{.Where}}</b>{{if .URL}} (<a href="{{.URL}}">{{.URL}}</a>){{end}}: {{.What}}</li>{{end}}</ol></section>
</body></html>
`))

// WriteHTML writes the printable report with its charts inline (SVG).
func WriteHTML(w io.Writer, d *Dossier, lang string) error {
	vol, err := volumeChart(d, false)
	if err != nil {
		return err
	}
	fails, err := failureChart(d, false)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := page.Execute(&buf, htmlData{D: d, Lang: lang, L: func(k string) string { return label(lang, k) },
		Volumes: template.HTML(vol), Fails: template.HTML(fails)}); err != nil { // #nosec: the chart library's own SVG
		return fmt.Errorf("appeal: html: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}
