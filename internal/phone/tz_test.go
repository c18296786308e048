package phone

import (
	"testing"
	"time"
	_ "time/tzdata" // the tests run on machines without a zone database too
)

func TestZoneName(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, waID, fallback, want string
	}{
		{"São Paulo capital", "5511987654321", "", "America/Sao_Paulo"},
		{"Rio de Janeiro", "5521987654321", "", "America/Sao_Paulo"},
		{"Distrito Federal", "5561987654321", "", "America/Sao_Paulo"},
		{"Mato Grosso", "5565987654321", "", "America/Cuiaba"},
		{"Mato Grosso interior", "5566987654321", "", "America/Cuiaba"},
		{"Mato Grosso do Sul", "5567987654321", "", "America/Campo_Grande"},
		{"Acre", "5568987654321", "", "America/Rio_Branco"},
		{"Rondônia", "5569987654321", "", "America/Porto_Velho"},
		{"Manaus", "5592987654321", "", "America/Manaus"},
		{"Amazonas interior", "5597987654321", "", "America/Manaus"},
		{"Roraima", "5595987654321", "", "America/Boa_Vista"},
		{"Belém", "5591987654321", "", "America/Belem"},
		{"Santarém", "5593987654321", "", "America/Santarem"},
		{"Marabá", "5594987654321", "", "America/Belem"},
		{"Recife", "5581987654321", "", "America/Recife"},
		{"Pernambuco interior", "5587987654321", "", "America/Recife"},
		{"Salvador", "5571987654321", "", "America/Bahia"},
		{"Fortaleza", "5585987654321", "", "America/Fortaleza"},
		{"São Luís", "5598987654321", "", "America/Fortaleza"},
		{"Tocantins", "5563987654321", "", "America/Araguaina"},
		{"Brazilian landline, eight digits", "556533221100", "", "America/Cuiaba"},
		{"Brazil, unassigned area code", "5520987654321", "", "America/Sao_Paulo"},
		{"New York by area code", "12125551234", "", "America/New_York"},
		{"San Francisco by area code", "14155551234", "", "America/Los_Angeles"},
		{"Spain", "34612345678", "", "Europe/Madrid"},
		{"Germany", "4915112345678", "", "Europe/Berlin"},
		{"Portugal mobile: several zones, the populous one", "351912345678", "", "Europe/Lisbon"},
		{"Portugal mobile: the tenant's zone when it is one of them", "351912345678", "Atlantic/Azores", "Atlantic/Azores"},
		{"a fallback that is not a candidate is not taken", "351912345678", "America/Sao_Paulo", "Europe/Lisbon"},
		{"not a number", "abc", "America/Sao_Paulo", "America/Sao_Paulo"},
		{"empty", "", "UTC", "UTC"},
		{"a BSUID has no zone", "BR.1a2b3c4d5e6f", "America/Recife", "America/Recife"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := ZoneName(c.waID, c.fallback); got != c.want {
				t.Fatalf("ZoneName(%q, %q) = %q, want %q", c.waID, c.fallback, got, c.want)
			}
		})
	}
}

func TestBrazilZonesLoad(t *testing.T) {
	t.Parallel()
	for ddd, name := range brazilZones {
		if _, err := time.LoadLocation(name); err != nil {
			t.Errorf("DDD %s: zone %q does not load: %v", ddd, name, err)
		}
	}
	for region, name := range populousZone {
		if _, err := time.LoadLocation(name); err != nil {
			t.Errorf("%s: zone %q does not load: %v", region, name, err)
		}
	}
}

func TestLocationOffsets(t *testing.T) {
	t.Parallel()
	// Brazil has had no daylight saving time since 2019: the offsets are
	// fixed, so a mid-year instant tells each zone apart.
	at := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		waID   string
		offset int // hours
	}{
		{"5511987654321", -3}, {"5565987654321", -4}, {"5568987654321", -5}, {"5592987654321", -4},
		{"5581987654321", -3}, {"4915112345678", 2},
	}
	for _, c := range cases {
		_, off := at.In(Location(c.waID, "")).Zone()
		if off != c.offset*3600 {
			t.Errorf("%s: offset %d s, want %d h", c.waID, off, c.offset)
		}
	}
	if l := Location("abc", ""); l != time.UTC {
		t.Errorf("unknown number: %v, want UTC", l)
	}
}

func FuzzZoneName(f *testing.F) {
	for _, s := range []string{"5511987654321", "12125551234", "", "55", "5599", "351912345678", "BR.x", "+1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, waID string) {
		name := ZoneName(waID, "UTC")
		if name == "" {
			t.Fatalf("ZoneName(%q) is empty with a fallback", waID)
		}
		if _, err := time.LoadLocation(name); err != nil {
			t.Fatalf("ZoneName(%q) = %q does not load: %v", waID, name, err)
		}
	})
}
