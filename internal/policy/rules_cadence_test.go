package policy

import (
	"context"
	"fmt"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/wabaguard/wabaguard/internal/clocktest"
	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/holiday"
	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/wire"
)

func cadenceMessage(t *testing.T, raw, waID string, cat consent.Category, now time.Time, recent []Sent) *Message {
	t.Helper()
	req, werr := wire.ParseSendRequest([]byte(raw))
	if werr != nil {
		t.Fatalf("parse %s: %v", raw, werr)
	}
	m := &Message{TenantID: "t", Raw: []byte(raw), Request: req, Now: now, WaID: waID}
	m.Facts = Facts{Loaded: true, Lang: refusal.EN, Recent: recent}
	if req.IsTemplate() && cat != "" {
		m.Facts.Template = &TemplateFacts{Status: TemplateApproved, Category: cat}
	}
	return m
}

const (
	promo  = `{"messaging_product":"whatsapp","to":"5511987654321","type":"template","template":{"name":"promo","language":{"code":"pt_BR"},"components":[{"type":"body","parameters":[{"type":"text","text":"10%"}]}]}}`
	promo2 = `{"messaging_product":"whatsapp","to":"5511987654321","type":"template","template":{"name":"promo","language":{"code":"pt_BR"},"components":[{"type":"body","parameters":[{"type":"text","text":"20%"}]}]}}`
	chat   = `{"messaging_product":"whatsapp","to":"5511987654321","type":"text","text":{"body":"oi"}}`
)

func TestFrequency(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC))
	now := clock.Now()
	rule := Frequency{Caps: map[consent.Category]Cap{consent.Marketing: {Max: 2, Per: 7 * 24 * time.Hour}}}
	mkt := func(ago time.Duration) Sent {
		return Sent{Category: consent.Marketing, ContentHash: "x", At: now.Add(-ago)}
	}
	util := func(ago time.Duration) Sent { return Sent{Category: consent.Utility, At: now.Add(-ago)} }
	tests := []struct {
		name   string
		raw    string
		cat    consent.Category
		recent []Sent
		want   refusal.Code
	}{
		{"first marketing", promo, consent.Marketing, nil, 0},
		{"second marketing", promo, consent.Marketing, []Sent{mkt(time.Hour)}, 0},
		{"third marketing within 7 days", promo, consent.Marketing, []Sent{mkt(6 * 24 * time.Hour), mkt(time.Hour)}, refusal.FrequencyCap},
		{"the window boundary counts", promo, consent.Marketing, []Sent{mkt(7 * 24 * time.Hour), mkt(time.Hour)}, refusal.FrequencyCap},
		{"one older than the window frees a slot", promo, consent.Marketing, []Sent{mkt(7*24*time.Hour + time.Second), mkt(time.Hour)}, 0},
		{"utility sends do not count against marketing", promo, consent.Marketing, []Sent{util(time.Hour), util(time.Minute), mkt(time.Hour)}, 0},
		{"utility is not capped", promo, consent.Utility, []Sent{util(time.Hour), util(time.Minute), util(time.Second)}, 0},
		{"an unknown category counts as marketing", promo, "", []Sent{mkt(time.Hour), mkt(time.Minute)}, refusal.FrequencyCap},
		{"free-form replies are not capped", chat, "", []Sent{mkt(time.Hour), mkt(time.Minute)}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := rule.Check(context.Background(), cadenceMessage(t, tc.raw, "5511987654321", tc.cat, now, tc.recent))
			assertRefusal(t, d, tc.want)
		})
	}
	t.Run("facts not loaded allow", func(t *testing.T) {
		m := cadenceMessage(t, promo, "5511987654321", consent.Marketing, now, []Sent{mkt(time.Hour), mkt(time.Minute)})
		m.Facts.Loaded = false
		assertRefusal(t, rule.Check(context.Background(), m), 0)
	})
	t.Run("the cap frees as the virtual clock moves", func(t *testing.T) {
		recent := []Sent{mkt(0), mkt(0)}
		clock.Advance(7*24*time.Hour + time.Second)
		assertRefusal(t, rule.Check(context.Background(), cadenceMessage(t, promo, "5511987654321", consent.Marketing, clock.Now(), recent)), 0)
	})
}

func TestRepeat(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC)
	req, _ := wire.ParseSendRequest([]byte(promo))
	h := ContentHash(req)
	rule := Repeat{Within: 24 * time.Hour}
	tests := []struct {
		name   string
		raw    string
		recent []Sent
		want   refusal.Code
	}{
		{"never sent", promo, nil, 0},
		{"same content an hour ago", promo, []Sent{{Category: consent.Marketing, ContentHash: h, At: now.Add(-time.Hour)}}, refusal.FrequencyRepeat},
		{"same content 24 h ago exactly", promo, []Sent{{Category: consent.Marketing, ContentHash: h, At: now.Add(-24 * time.Hour)}}, refusal.FrequencyRepeat},
		{"same content a day and a second ago", promo, []Sent{{Category: consent.Marketing, ContentHash: h, At: now.Add(-24*time.Hour - time.Second)}}, 0},
		{"other parameters", promo2, []Sent{{Category: consent.Marketing, ContentHash: h, At: now.Add(-time.Hour)}}, 0},
		{"free-form is not guarded", chat, []Sent{{ContentHash: "", At: now.Add(-time.Hour)}}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assertRefusal(t, rule.Check(context.Background(), cadenceMessage(t, tc.raw, "5511987654321", consent.Marketing, now, tc.recent)), tc.want)
		})
	}
	if d := (Repeat{}).Check(context.Background(), cadenceMessage(t, promo, "5511987654321", consent.Marketing, now,
		[]Sent{{ContentHash: h, At: now}})); d.Outcome != Allow {
		t.Errorf("a zero period must switch the guard off: %+v", d)
	}
}

func TestContentHash(t *testing.T) {
	t.Parallel()
	parse := func(s string) *wire.SendRequest {
		r, werr := wire.ParseSendRequest([]byte(s))
		if werr != nil {
			t.Fatal(werr)
		}
		return r
	}
	a := ContentHash(parse(promo))
	spaced := `{ "type":"template", "to":"+55 11 98765-4321", "messaging_product":"whatsapp",
		"template":{"language":{"code":"PT_BR"},"name":"Promo","components":[{"parameters":[{"text":"10%","type":"text"}],"type":"body"}]}}`
	if b := ContentHash(parse(spaced)); a != b {
		t.Errorf("key order, spacing and case changed the hash: %s vs %s", a, b)
	}
	if b := ContentHash(parse(promo2)); a == b {
		t.Error("other parameters gave the same hash")
	}
	if ContentHash(parse(chat)) != "" || ContentHash(nil) != "" {
		t.Error("a free-form message has a content hash")
	}
}

func TestQuietHours(t *testing.T) {
	t.Parallel()
	// Monday to Friday 09:00–21:00, Saturday 10:00–16:00, no Sunday.
	week := Span{9 * time.Hour, 21 * time.Hour}
	days := [7]Span{{}, week, week, week, week, week, {10 * time.Hour, 16 * time.Hour}}
	rule := QuietHours{Hours: Hours{Days: days}}
	sp, _ := time.LoadLocation("America/Sao_Paulo")
	rb, _ := time.LoadLocation("America/Rio_Branco")
	at := func(loc *time.Location, y int, mo time.Month, d, h, mi int) time.Time {
		return time.Date(y, mo, d, h, mi, 0, 0, loc)
	}
	const (
		sampa = "5511987654321"
		acre  = "5568987654321"
	)
	// 2026-12-03 is a Thursday; 2026-12-05 a Saturday; 2026-12-06 a Sunday.
	tests := []struct {
		name  string
		raw   string
		waID  string
		cat   consent.Category
		now   time.Time
		until time.Time // zero: allowed
	}{
		{"marketing at noon", promo, sampa, consent.Marketing, at(sp, 2026, 12, 3, 12, 0), time.Time{}},
		{"marketing at the opening minute", promo, sampa, consent.Marketing, at(sp, 2026, 12, 3, 9, 0), time.Time{}},
		{"marketing before the opening waits for it", promo, sampa, consent.Marketing, at(sp, 2026, 12, 3, 7, 30), at(sp, 2026, 12, 3, 9, 0)},
		{"marketing a minute before closing", promo, sampa, consent.Marketing, at(sp, 2026, 12, 3, 20, 59), time.Time{}},
		{"marketing at the closing minute waits for the next day", promo, sampa, consent.Marketing, at(sp, 2026, 12, 3, 21, 0), at(sp, 2026, 12, 4, 9, 0)},
		{"Friday night waits for Saturday's later opening", promo, sampa, consent.Marketing, at(sp, 2026, 12, 4, 22, 0), at(sp, 2026, 12, 5, 10, 0)},
		{"Saturday 09:30 waits for 10:00", promo, sampa, consent.Marketing, at(sp, 2026, 12, 5, 9, 30), at(sp, 2026, 12, 5, 10, 0)},
		{"Saturday afternoon waits over Sunday", promo, sampa, consent.Marketing, at(sp, 2026, 12, 5, 16, 0), at(sp, 2026, 12, 7, 9, 0)},
		{"Sunday noon waits for Monday", promo, sampa, consent.Marketing, at(sp, 2026, 12, 6, 12, 0), at(sp, 2026, 12, 7, 9, 0)},
		{"10:30 in São Paulo is 08:30 in Acre", promo, acre, consent.Marketing, at(sp, 2026, 12, 3, 10, 30), at(rb, 2026, 12, 3, 9, 0)},
		{"an unknown category is marketing", promo, sampa, "", at(sp, 2026, 12, 3, 23, 0), at(sp, 2026, 12, 4, 9, 0)},
		{"utility is never held", promo, sampa, consent.Utility, at(sp, 2026, 12, 3, 23, 0), time.Time{}},
		{"authentication is never held", promo, sampa, consent.Authentication, at(sp, 2026, 12, 6, 3, 0), time.Time{}},
		{"a service reply is never held", chat, sampa, "", at(sp, 2026, 12, 6, 3, 0), time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := rule.Check(context.Background(), cadenceMessage(t, tc.raw, tc.waID, tc.cat, tc.now.UTC(), nil))
			if tc.until.IsZero() {
				if d.Outcome != Allow {
					t.Fatalf("want allow, got %+v", d)
				}
				return
			}
			if d.Outcome != Defer || d.Code != "quiet_hours.closed" || d.Rule != "quiet_hours" {
				t.Fatalf("want a quiet_hours.closed deferral, got %+v", d)
			}
			if !d.Until.Equal(tc.until) {
				t.Fatalf("until %v, want %v", d.Until.In(tc.until.Location()), tc.until)
			}
		})
	}
	if !AtSendTime(rule) {
		t.Error("quiet hours must run at send time too")
	}
	if d := (QuietHours{}).Check(context.Background(), cadenceMessage(t, promo, sampa, consent.Marketing, at(sp, 2026, 12, 3, 12, 0), nil)); d.Outcome != Allow {
		t.Errorf("no open day must never hold a message forever: %+v", d)
	}
}

func TestQuietHoursAcrossMidnightAndHolidays(t *testing.T) {
	t.Parallel()
	sp, _ := time.LoadLocation("America/Sao_Paulo")
	mn, _ := time.LoadLocation("America/Manaus")
	rb, _ := time.LoadLocation("America/Rio_Branco")
	lis, _ := time.LoadLocation("Europe/Lisbon")
	at := func(loc *time.Location, y int, mo time.Month, d, h, mi int) time.Time {
		return time.Date(y, mo, d, h, mi, 0, 0, loc)
	}
	cal, err := holiday.NewCalendar(true, []string{"2026-12-24"})
	if err != nil {
		t.Fatal(err)
	}
	// A bar allowing 20:00–02:00 every day, Sunday 18:00–23:00.
	night := Span{20 * time.Hour, 2 * time.Hour}
	barDays := [7]Span{{18 * time.Hour, 23 * time.Hour}, night, night, night, night, night, night}
	bar := Hours{Days: barDays, Holidays: cal}
	barSunday := Hours{Days: barDays, Holidays: cal, OnHoliday: HolidaySunday}
	// Quiet 22:00–08:00 every day: allowed 08:00–22:00.
	d := Span{8 * time.Hour, 22 * time.Hour}
	shop := Hours{Days: [7]Span{d, d, d, d, d, d, d}, Holidays: cal}
	// Quiet 01:00–06:00: allowed 06:00 to 01:00 the next day.
	late := Span{6 * time.Hour, 1 * time.Hour}
	lateShop := Hours{Days: [7]Span{late, late, late, late, late, late, late}, Holidays: cal}
	const (
		sampa  = "5511987654321"
		manaus = "5592987654321"
		acre   = "5568987654321"
		lisbon = "351912345678"
	)
	// 2026-12-03 is a Thursday. Christmas 2026 is a Friday, 2026-12-24 (an
	// extra date) a Thursday; 2026-11-20 (Consciência Negra) a Friday;
	// 2026-11-02 (Finados) a Monday.
	tests := []struct {
		name  string
		hours Hours
		waID  string
		now   time.Time
		until time.Time // zero: allowed
	}{
		{"bar: 19:59 waits for 20:00", bar, sampa, at(sp, 2026, 12, 3, 19, 59), at(sp, 2026, 12, 3, 20, 0)},
		{"bar: 23:59 is open", bar, sampa, at(sp, 2026, 12, 3, 23, 59), time.Time{}},
		{"bar: midnight is open, the evening before's hours", bar, sampa, at(sp, 2026, 12, 4, 0, 0), time.Time{}},
		{"bar: 01:59 is open", bar, sampa, at(sp, 2026, 12, 4, 1, 59), time.Time{}},
		{"bar: 02:00 waits for the evening", bar, sampa, at(sp, 2026, 12, 4, 2, 0), at(sp, 2026, 12, 4, 20, 0)},
		{"bar: Sunday 23:30 waits for Monday 20:00", bar, sampa, at(sp, 2026, 12, 6, 23, 30), at(sp, 2026, 12, 7, 20, 0)},
		{"bar: Saturday's night runs into Sunday", bar, sampa, at(sp, 2026, 12, 6, 1, 0), time.Time{}},
		{"bar: 01:00 in São Paulo is 00:00 in Manaus, open", bar, manaus, at(sp, 2026, 12, 4, 1, 0), time.Time{}},
		{"bar: 02:30 in São Paulo is 00:30 in Acre, open", bar, acre, at(sp, 2026, 12, 4, 2, 30), time.Time{}},
		{"bar: 04:00 in São Paulo is 02:00 in Acre, closed", bar, acre, at(sp, 2026, 12, 4, 4, 0), at(rb, 2026, 12, 4, 20, 0)},
		{"bar: Christmas closed, Christmas Eve's night cut at midnight", bar, sampa, at(sp, 2026, 12, 25, 0, 30), at(sp, 2026, 12, 26, 20, 0)},
		{"bar: Christmas Eve (extra date) closed", bar, sampa, at(sp, 2026, 12, 24, 21, 0), at(sp, 2026, 12, 26, 20, 0)},
		{"bar: the day after Christmas opens at 20:00", bar, sampa, at(sp, 2026, 12, 26, 20, 0), time.Time{}},
		{"bar: the night after Christmas runs into Sunday", bar, sampa, at(sp, 2026, 12, 27, 1, 0), time.Time{}},
		{"bar on Sunday hours: Christmas opens at 18:00", barSunday, sampa, at(sp, 2026, 12, 25, 10, 0), at(sp, 2026, 12, 25, 18, 0)},
		{"bar on Sunday hours: Thursday's night runs into Consciência Negra", barSunday, sampa, at(sp, 2026, 11, 20, 1, 0), time.Time{}},
		{"bar closed on holidays: Thursday's night is cut at Consciência Negra", bar, sampa, at(sp, 2026, 11, 20, 1, 0), at(sp, 2026, 11, 21, 20, 0)},
		{"bar on Sunday hours: Christmas closes at 23:00", barSunday, sampa, at(sp, 2026, 12, 25, 23, 0), at(sp, 2026, 12, 26, 20, 0)},
		{"Lisbon has no Brazilian holiday", bar, lisbon, at(lis, 2026, 11, 20, 21, 0), time.Time{}},
		{"Lisbon has the tenant's own dates", bar, lisbon, at(lis, 2026, 12, 24, 21, 0), at(lis, 2026, 12, 25, 20, 0)},
		{"Consciência Negra closed in Manaus", bar, manaus, at(mn, 2026, 11, 20, 21, 0), at(mn, 2026, 11, 21, 20, 0)},
		{"shop: 07:59 waits for 08:00", shop, sampa, at(sp, 2026, 12, 3, 7, 59), at(sp, 2026, 12, 3, 8, 0)},
		{"shop: 21:59 is open", shop, sampa, at(sp, 2026, 12, 3, 21, 59), time.Time{}},
		{"shop: 22:00 waits for the morning", shop, sampa, at(sp, 2026, 12, 3, 22, 0), at(sp, 2026, 12, 4, 8, 0)},
		{"shop: Finados closed, Tuesday opens", shop, sampa, at(sp, 2026, 11, 2, 10, 0), at(sp, 2026, 11, 3, 8, 0)},
		{"shop: the evening before a holiday waits two mornings", shop, sampa, at(sp, 2026, 11, 1, 22, 30), at(sp, 2026, 11, 3, 8, 0)},
		// 2027-02-08 and -09 are Carnaval Monday and Tuesday; Ash Wednesday opens.
		{"shop: Carnaval Monday and Tuesday closed", shop, sampa, at(sp, 2027, 2, 8, 9, 0), at(sp, 2027, 2, 10, 8, 0)},
		{"late: 00:59 is open", lateShop, sampa, at(sp, 2026, 12, 4, 0, 59), time.Time{}},
		{"late: 01:00 waits for 06:00", lateShop, sampa, at(sp, 2026, 12, 4, 1, 0), at(sp, 2026, 12, 4, 6, 0)},
		{"late: a holiday's 00:30 is closed", lateShop, sampa, at(sp, 2026, 12, 25, 0, 30), at(sp, 2026, 12, 26, 6, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := QuietHours{Hours: tc.hours}.Check(context.Background(), cadenceMessage(t, promo, tc.waID, consent.Marketing, tc.now.UTC(), nil))
			if tc.until.IsZero() {
				if d.Outcome != Allow {
					t.Fatalf("want allow, got %+v", d)
				}
				return
			}
			if d.Outcome != Defer || d.Code != "quiet_hours.closed" {
				t.Fatalf("want a quiet_hours.closed deferral, got %+v", d)
			}
			if !d.Until.Equal(tc.until) {
				t.Fatalf("until %v, want %v", d.Until.In(tc.until.Location()), tc.until)
			}
		})
	}
}

// A span across midnight spreads its wake-ups within its own length, and
// never past its end on the next day.
func TestQuietHoursSpreadAcrossMidnight(t *testing.T) {
	t.Parallel()
	sp, _ := time.LoadLocation("America/Sao_Paulo")
	s := Span{23*time.Hour + 50*time.Minute, 10 * time.Minute}
	rule := QuietHours{Hours: Hours{Days: [7]Span{s, s, s, s, s, s, s}, Zone: "America/Sao_Paulo", Spread: time.Hour}}
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, sp)
	for i := range 50 {
		m := cadenceMessage(t, promo, fmt.Sprintf("55119%08d", 30000000+i), consent.Marketing, now, nil)
		d := rule.Check(context.Background(), m)
		if local := d.Until.In(sp); d.Outcome != Defer || !rule.Hours.Open(local) {
			t.Fatalf("wake-up %v outside the twenty minutes around midnight", local)
		}
	}
}

func TestQuietHoursSpread(t *testing.T) {
	t.Parallel()
	d := Span{9 * time.Hour, 20 * time.Hour}
	rule := QuietHours{Hours: Hours{Days: [7]Span{d, d, d, d, d, d, d}, Zone: "America/Sao_Paulo", Spread: 30 * time.Minute}}
	sp, _ := time.LoadLocation("America/Sao_Paulo")
	now := time.Date(2026, 12, 3, 2, 0, 0, 0, sp)
	open := time.Date(2026, 12, 3, 9, 0, 0, 0, sp)
	seen := map[time.Time]bool{}
	for i := range 200 {
		waID := fmt.Sprintf("55119%08d", 10000000+i)
		m := cadenceMessage(t, promo, waID, consent.Marketing, now, nil)
		d := rule.Check(context.Background(), m)
		if d.Outcome != Defer || d.Until.Before(open) || !d.Until.Before(open.Add(30*time.Minute)) {
			t.Fatalf("%s: until %v outside the first 30 minutes after %v", waID, d.Until, open)
		}
		if again := rule.Check(context.Background(), m); !again.Until.Equal(d.Until) {
			t.Fatalf("%s: the same message got %v then %v", waID, d.Until, again.Until)
		}
		seen[d.Until] = true
	}
	if len(seen) < 100 {
		t.Errorf("200 messages woke at only %d distinct seconds: not spread", len(seen))
	}
	// Hours shorter than the spread: every wake-up still falls inside them.
	short := QuietHours{Hours: Hours{Days: [7]Span{{}, {}, {}, {}, {10 * time.Hour, 10*time.Hour + 5*time.Minute}, {}, {}}, Zone: "America/Sao_Paulo", Spread: time.Hour}}
	for i := range 50 {
		m := cadenceMessage(t, promo, fmt.Sprintf("55119%08d", 20000000+i), consent.Marketing, now, nil)
		d := short.Check(context.Background(), m)
		if local := d.Until.In(sp); d.Outcome != Defer || !short.Hours.Open(local) {
			t.Fatalf("wake-up %v outside the five open minutes", local)
		}
	}
	// The zone override holds for an Acre number too.
	m := cadenceMessage(t, promo, "5568987654321", consent.Marketing, time.Date(2026, 12, 3, 9, 30, 0, 0, sp), nil)
	if d := rule.Check(context.Background(), m); d.Outcome != Allow {
		t.Errorf("zone override ignored: %+v", d)
	}
}

func assertRefusal(t *testing.T, d Decision, want refusal.Code) {
	t.Helper()
	if want == 0 {
		if d.Outcome != Allow {
			t.Fatalf("want allow, got %+v", d)
		}
		return
	}
	if d.Outcome != Reject || d.Refusal != want || d.Err == nil || d.Err.Code != int(want) {
		t.Fatalf("want refusal %d, got %+v", want, d)
	}
}
