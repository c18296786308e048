package phone

import (
	"slices"
	"strings"
	"sync"
	"time"
	// Zones must load on a bare machine (a scratch container) too: a zone
	// that does not load would put a recipient on UTC.
	_ "time/tzdata"

	"github.com/nyaruka/phonenumbers"
)

// brazilZones maps Brazil's two-digit area codes (DDD, the digits after 55)
// to the IANA zone of the area. Sources: Anatel's plan of national codes
// (Plano Geral de Códigos Nacionais, the DDD per state) and the IANA tz
// database's zone.tab and southamerica file, which say which states each
// Brazilian zone covers. Zones that share an offset are kept apart as IANA
// keeps them, so a future change in one state needs no code change here.
//
// Two limits of a DDD: 81 covers both Pernambuco (America/Recife, UTC-3) and
// Fernando de Noronha (America/Noronha, UTC-2), and 97 covers both central
// Amazonas (America/Manaus, UTC-4) and its south-west (America/Eirunepe,
// UTC-5). The more populous side is taken; the other is one hour off.
var brazilZones = map[string]string{
	// São Paulo, Rio de Janeiro, Espírito Santo, Minas Gerais, Paraná,
	// Santa Catarina, Rio Grande do Sul, Distrito Federal, Goiás: UTC-3.
	"11": "America/Sao_Paulo", "12": "America/Sao_Paulo", "13": "America/Sao_Paulo", "14": "America/Sao_Paulo",
	"15": "America/Sao_Paulo", "16": "America/Sao_Paulo", "17": "America/Sao_Paulo", "18": "America/Sao_Paulo",
	"19": "America/Sao_Paulo", "21": "America/Sao_Paulo", "22": "America/Sao_Paulo", "24": "America/Sao_Paulo",
	"27": "America/Sao_Paulo", "28": "America/Sao_Paulo", "31": "America/Sao_Paulo", "32": "America/Sao_Paulo",
	"33": "America/Sao_Paulo", "34": "America/Sao_Paulo", "35": "America/Sao_Paulo", "37": "America/Sao_Paulo",
	"38": "America/Sao_Paulo", "41": "America/Sao_Paulo", "42": "America/Sao_Paulo", "43": "America/Sao_Paulo",
	"44": "America/Sao_Paulo", "45": "America/Sao_Paulo", "46": "America/Sao_Paulo", "47": "America/Sao_Paulo",
	"48": "America/Sao_Paulo", "49": "America/Sao_Paulo", "51": "America/Sao_Paulo", "53": "America/Sao_Paulo",
	"54": "America/Sao_Paulo", "55": "America/Sao_Paulo", "61": "America/Sao_Paulo", "62": "America/Sao_Paulo",
	"64": "America/Sao_Paulo",
	// Tocantins: UTC-3.
	"63": "America/Araguaina",
	// Mato Grosso, Mato Grosso do Sul, Rondônia, Roraima, Amazonas: UTC-4.
	"65": "America/Cuiaba", "66": "America/Cuiaba",
	"67": "America/Campo_Grande",
	"69": "America/Porto_Velho",
	"92": "America/Manaus", "97": "America/Manaus",
	"95": "America/Boa_Vista",
	// Acre: UTC-5.
	"68": "America/Rio_Branco",
	// Bahia, Sergipe, Alagoas: UTC-3.
	"71": "America/Bahia", "73": "America/Bahia", "74": "America/Bahia", "75": "America/Bahia", "77": "America/Bahia",
	"79": "America/Maceio", "82": "America/Maceio",
	// Pernambuco, Paraíba: UTC-3.
	"81": "America/Recife", "83": "America/Recife", "87": "America/Recife",
	// Rio Grande do Norte, Ceará, Piauí, Maranhão: UTC-3.
	"84": "America/Fortaleza", "85": "America/Fortaleza", "86": "America/Fortaleza", "88": "America/Fortaleza",
	"89": "America/Fortaleza", "98": "America/Fortaleza", "99": "America/Fortaleza",
	// Pará and Amapá: UTC-3 (western Pará is America/Santarem).
	"91": "America/Belem", "94": "America/Belem", "96": "America/Belem",
	"93": "America/Santarem",
}

// BrazilDefaultZone is the zone of a Brazilian number whose area code is
// not in the table: the zone of most of the country's people.
const BrazilDefaultZone = "America/Sao_Paulo"

// populousZone is, for countries the numbering plan does not split into
// zones finely enough, the zone where most of the country's people live:
// taken when a number maps to several zones and the tenant's default zone
// is not one of them.
var populousZone = map[string]string{
	"US": "America/New_York", "CA": "America/Toronto", "MX": "America/Mexico_City", "RU": "Europe/Moscow",
	"AU": "Australia/Sydney", "ID": "Asia/Jakarta", "KZ": "Asia/Almaty", "CD": "Africa/Kinshasa",
	"ES": "Europe/Madrid", "PT": "Europe/Lisbon", "EC": "America/Guayaquil", "CL": "America/Santiago",
	"MN": "Asia/Ulaanbaatar", "AR": "America/Argentina/Buenos_Aires", "BR": BrazilDefaultZone,
	"GL": "America/Nuuk", "FM": "Pacific/Chuuk", "KI": "Pacific/Tarawa", "PF": "Pacific/Tahiti",
	"UA": "Europe/Kyiv", "NZ": "Pacific/Auckland", "FR": "Europe/Paris", "GB": "Europe/London",
	"NL": "Europe/Amsterdam", "DK": "Europe/Copenhagen", "CN": "Asia/Shanghai", "IN": "Asia/Kolkata",
}

// ZoneName returns the IANA time zone of a wa_id (E.164 digits without
// "+"): Brazil by area code; other countries by libphonenumber's zone map
// of the number's prefix. When the prefix maps to several zones, fallback
// is taken if it is one of them, else the country's most populous zone when
// it is one of them, else the first zone listed. When nothing is known of
// the number, fallback ("" when the caller has none).
func ZoneName(waID, fallback string) string {
	if strings.HasPrefix(waID, "55") && len(waID) >= 12 {
		if z, ok := brazilZones[waID[2:4]]; ok {
			return z
		}
		return BrazilDefaultZone
	}
	if waID == "" || IsBSUID(waID) {
		return fallback
	}
	num, err := phonenumbers.Parse("+"+waID, "")
	if err != nil {
		return fallback
	}
	zones, err := phonenumbers.GetTimezonesForNumber(num)
	if err != nil || len(zones) == 0 || zones[0] == phonenumbers.UNKNOWN_TIMEZONE {
		return fallback
	}
	if len(zones) == 1 {
		return zones[0]
	}
	if fallback != "" && slices.Contains(zones, fallback) {
		return fallback
	}
	if z, ok := populousZone[phonenumbers.GetRegionCodeForNumber(num)]; ok && slices.Contains(zones, z) {
		return z
	}
	return zones[0]
}

var zoneCache sync.Map // name → *time.Location

// Location returns the *time.Location of a wa_id (see ZoneName), UTC when
// the zone cannot be loaded. Locations are loaded once and kept: every
// process needs only the few hundred zones there are.
func Location(waID, fallback string) *time.Location {
	name := ZoneName(waID, fallback)
	if name == "" {
		return time.UTC
	}
	if l, ok := zoneCache.Load(name); ok {
		return l.(*time.Location)
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	zoneCache.Store(name, l)
	return l
}
