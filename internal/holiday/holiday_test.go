package holiday

import (
	"testing"
	"time"
)

func TestEaster(t *testing.T) {
	t.Parallel()
	// Dates from the tables of the Gregorian computus.
	tests := map[int]string{
		1818: "1818-03-22", 1943: "1943-04-25", 2000: "2000-04-23", 2019: "2019-04-21", 2024: "2024-03-31",
		2025: "2025-04-20", 2026: "2026-04-05", 2027: "2027-03-28", 2038: "2038-04-25", 2285: "2285-03-22",
	}
	for year, want := range tests {
		if got := Easter(year).Format("2006-01-02"); got != want {
			t.Errorf("Easter(%d) = %s, want %s", year, got, want)
		}
	}
}

func TestBrazil(t *testing.T) {
	t.Parallel()
	tests := []struct {
		year int
		want []string
	}{
		{2026, []string{"2026-01-01", "2026-02-16", "2026-02-17", "2026-04-03", "2026-04-21", "2026-05-01", "2026-06-04",
			"2026-09-07", "2026-10-12", "2026-11-02", "2026-11-15", "2026-11-20", "2026-12-25"}},
		// Consciência Negra became national in 2024: not a national holiday in 2023.
		{2023, []string{"2023-01-01", "2023-02-20", "2023-02-21", "2023-04-07", "2023-04-21", "2023-05-01", "2023-06-08",
			"2023-09-07", "2023-10-12", "2023-11-02", "2023-11-15", "2023-12-25"}},
	}
	for _, tc := range tests {
		got := Brazil(tc.year)
		if len(got) != len(tc.want) {
			t.Fatalf("%d: %d holidays, want %d: %v", tc.year, len(got), len(tc.want), got)
		}
		for i, h := range got {
			if d := h.Date.Format("2006-01-02"); d != tc.want[i] {
				t.Errorf("%d: holiday %d is %s (%s), want %s", tc.year, i, d, h.Name, tc.want[i])
			}
		}
	}
}

func TestCalendarOn(t *testing.T) {
	t.Parallel()
	sp, _ := time.LoadLocation("America/Sao_Paulo")
	rb, _ := time.LoadLocation("America/Rio_Branco")
	lis, _ := time.LoadLocation("Europe/Lisbon")
	cal, err := NewCalendar(true, []string{"01-25", "2026-12-24"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		at   time.Time
		want string // "" when not a holiday
	}{
		{"Christmas in São Paulo", time.Date(2026, 12, 25, 10, 0, 0, 0, sp), "Natal"},
		{"the day after Christmas", time.Date(2026, 12, 26, 10, 0, 0, 0, sp), ""},
		{"Carnaval Tuesday 2027", time.Date(2027, 2, 9, 0, 0, 0, 0, sp), "Carnaval (terça-feira)"},
		{"Ash Wednesday is not a holiday", time.Date(2027, 2, 10, 12, 0, 0, 0, sp), ""},
		{"Corpus Christi 2026", time.Date(2026, 6, 4, 23, 59, 0, 0, sp), "Corpus Christi"},
		{"Good Friday in Acre", time.Date(2026, 4, 3, 8, 0, 0, 0, rb), "Sexta-feira Santa"},
		// 02:30 UTC on 21 Apr is still 20 Apr in Acre (UTC−5): the local date decides.
		{"Tiradentes judged in local time", time.Date(2026, 4, 21, 2, 30, 0, 0, time.UTC).In(rb), ""},
		{"national holidays are Brazil's only", time.Date(2026, 12, 25, 10, 0, 0, 0, lis), ""},
		{"a yearly extra date", time.Date(2031, 1, 25, 10, 0, 0, 0, sp), "extra"},
		{"a yearly extra date abroad", time.Date(2031, 1, 25, 10, 0, 0, 0, lis), "extra"},
		{"a one-off extra date", time.Date(2026, 12, 24, 10, 0, 0, 0, sp), "extra"},
		{"a one-off extra date only that year", time.Date(2027, 12, 24, 10, 0, 0, 0, sp), ""},
	}
	for _, tc := range tests {
		got, _ := cal.On(tc.at)
		if got != tc.want {
			t.Errorf("%s: On(%v) = %q, want %q", tc.name, tc.at, got, tc.want)
		}
	}
	off, _ := NewCalendar(false, nil)
	if _, ok := off.On(time.Date(2026, 12, 25, 10, 0, 0, 0, sp)); ok {
		t.Error("a calendar without Brazil's holidays found Christmas")
	}
	if _, ok := (*Calendar)(nil).On(time.Date(2026, 12, 25, 10, 0, 0, 0, sp)); ok {
		t.Error("a nil calendar found a holiday")
	}
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"2026-12-24", "12-24", "02-29"} {
		if err := ParseDate(s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	for _, s := range []string{"", "24/12", "2026-13-01", "13-01", "02-30", "2026-02-29", "tomorrow"} {
		if err := ParseDate(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}
