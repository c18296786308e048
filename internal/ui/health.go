package ui

import (
	"fmt"
	"net/http"
	"time"

	"github.com/wabaguard/wabaguard/internal/limits"
	"github.com/wabaguard/wabaguard/internal/refusal"
)

// The words of the overview's health panel, merged into messages at start
// (a key defined twice is a bug).
func init() {
	for k, v := range healthMessages {
		if _, dup := messages[k]; dup {
			panic("ui: message " + k + " is defined twice")
		}
		messages[k] = v
	}
}

var healthMessages = map[string]map[refusal.Lang]string{
	"health.quality":   {refusal.PT: "Qualidade (Meta)", refusal.EN: "Quality (Meta)", refusal.ES: "Calidad (Meta)"},
	"health.status":    {refusal.PT: "Status na Meta", refusal.EN: "Status at Meta", refusal.ES: "Estado en Meta"},
	"health.limit":     {refusal.PT: "Limite de mensagens (24 h)", refusal.EN: "Messaging limit (24 h)", refusal.ES: "Límite de mensajes (24 h)"},
	"health.unlimited": {refusal.PT: "sem limite", refusal.EN: "unlimited", refusal.ES: "sin límite"},
	"health.of":        {refusal.PT: "%d de %d destinatários", refusal.EN: "%d of %d recipients", refusal.ES: "%d de %d destinatarios"},
	"health.used":      {refusal.PT: "%d destinatários", refusal.EN: "%d recipients", refusal.ES: "%d destinatarios"},
	"health.release":   {refusal.PT: "libera vaga às %s UTC", refusal.EN: "frees a slot at %s UTC", refusal.ES: "libera un cupo a las %s UTC"},
	"health.synced":    {refusal.PT: "Dados da Meta de %s UTC", refusal.EN: "Meta's data from %s UTC", refusal.ES: "Datos de Meta de %s UTC"},
	"health.never":     {refusal.PT: "A Meta ainda não informou o estado deste número.", refusal.EN: "Meta has not reported this number's state yet.", refusal.ES: "Meta aún no informó el estado de este número."},
	"health.unknown":   {refusal.PT: "desconhecida", refusal.EN: "unknown", refusal.ES: "desconocida"},
}

// healthRow is what the overview shows of a number's health and limit.
type healthRow struct {
	// Quality is Meta's rating (GREEN, YELLOW, RED) or the word for
	// unknown; QualityClass colours its badge.
	Quality, QualityClass string
	Status                string
	// Tier names the portfolio's limit; Limit is -1 when unlimited.
	Tier        string
	Used, Limit int
	// High and Low mark the gauge's warning and danger zones.
	Low, High int
	// UsageText reads the gauge in words (for screen readers too).
	UsageText, Release, Synced string
}

// healthOf turns a number's state into the panel's row.
func healthOf(lang refusal.Lang, st limits.SenderState) *healthRow {
	h := &healthRow{Quality: st.Quality, Status: st.Status, Tier: st.MessagingLimit.Tier,
		Used: st.MessagingLimit.Used, Limit: st.MessagingLimit.Limit}
	switch st.Quality {
	case "GREEN":
		h.QualityClass = "good"
	case "YELLOW":
		h.QualityClass = "warn"
	case "RED":
		h.QualityClass = "bad"
	default:
		h.Quality, h.QualityClass = msg(lang, "health.unknown"), "muted"
	}
	if h.Limit < 0 {
		h.UsageText = fmt.Sprintf(msg(lang, "health.used"), h.Used) + " (" + msg(lang, "health.unlimited") + ")"
	} else {
		// Amber from 70 % of the limit, red from 90 %: the gateway defers
		// at 100 %, and a team wants to see it coming.
		h.Low, h.High = h.Limit*7/10, h.Limit*9/10
		h.UsageText = fmt.Sprintf(msg(lang, "health.of"), h.Used, h.Limit)
	}
	if !st.MessagingLimit.NextRelease.IsZero() {
		h.Release = fmt.Sprintf(msg(lang, "health.release"), st.MessagingLimit.NextRelease.UTC().Format("2006-01-02 15:04"))
	}
	if !st.UpdatedAt.IsZero() {
		h.Synced = fmt.Sprintf(msg(lang, "health.synced"), st.UpdatedAt.UTC().Format(time.DateTime))
	}
	return h
}

// healthByNumber reads the tenant's numbers' health, keyed by phone
// number id (nil when the dashboard has no source for it).
func (s *Server) healthByNumber(r *http.Request, tenantID string) (map[string]*healthRow, error) {
	if s.health == nil {
		return nil, nil
	}
	states, err := s.health.SendersOf(r.Context(), tenantID, s.now())
	if err != nil {
		return nil, err
	}
	lang := language(r)
	out := make(map[string]*healthRow, len(states))
	for _, st := range states {
		out[st.PhoneNumberID] = healthOf(lang, st)
	}
	return out, nil
}
