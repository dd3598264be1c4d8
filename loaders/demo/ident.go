package demo

import (
	"encoding/hex"
	"fmt"
	"math/big"
	"math/rand/v2"
	"net/netip"
	"strings"
)

// Identifier generators. Every identifier is synthetic: phone numbers are drawn from the mobile
// ranges of each country but are random; IP addresses come only from the ranges reserved for
// documentation and benchmarking (RFC 5737, RFC 2544, RFC 3849), so the demo never names a real
// host; e-mail addresses use the reserved .example top-level domain (RFC 2606).

// city is a place people live in, with its standard UTC offset (no daylight saving: the demo's
// local times are standard time all year) and, for the NANP countries, its area codes.
type city struct {
	name, region string
	offset       int // minutes east of UTC
	areaCodes    []string
}

// country describes what the generator needs of a country.
type country struct {
	code, name, currency, calling string
	cities                        []city
	nsn                           func(r *rand.Rand, c city) string // a mobile national significant number
	national                      func(nsn string) string           // the number as dialled at home ("" if not used)
	culture                       string                            // default naming culture
}

func digits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

// group writes s in chunks of the given sizes separated by spaces; the last chunk takes the rest.
func group(s string, sizes ...int) string {
	var parts []string
	for _, n := range sizes {
		if len(s) <= n {
			break
		}
		parts = append(parts, s[:n])
		s = s[n:]
	}
	return strings.Join(append(parts, s), " ")
}

func prefixed(prefixes ...string) func(r *rand.Rand, rest int) string {
	return func(r *rand.Rand, rest int) string { return pick(r, prefixes) + digits(r, rest) }
}

func nanpNSN(r *rand.Rand, c city) string {
	// Exchange codes start 2-9 and avoid the N11 service codes.
	ex := fmt.Sprintf("%d%d%d", 2+r.IntN(8), r.IntN(10), r.IntN(10))
	if ex[1:] == "11" {
		ex = ex[:2] + "2"
	}
	return pick(r, c.areaCodes) + ex + digits(r, 4)
}

func nanpNational(nsn string) string {
	return "(" + nsn[:3] + ") " + nsn[3:6] + "-" + nsn[6:]
}

var countries = map[string]*country{ // lookup only; never iterated for output
	"GB": {code: "GB", name: "United Kingdom", currency: "GBP", calling: "44", culture: "en",
		cities: []city{{"London", "England", 0, nil}, {"Manchester", "England", 0, nil}, {"Birmingham", "England", 0, nil},
			{"Leeds", "England", 0, nil}, {"Glasgow", "Scotland", 0, nil}, {"Bristol", "England", 0, nil},
			{"Liverpool", "England", 0, nil}, {"Cardiff", "Wales", 0, nil}, {"Nottingham", "England", 0, nil}},
		nsn:      func(r *rand.Rand, _ city) string { return prefixed("74", "75", "77", "78", "79")(r, 8) },
		national: func(n string) string { return "0" + group(n, 4) }},
	"AU": {code: "AU", name: "Australia", currency: "AUD", calling: "61", culture: "en",
		cities: []city{{"Sydney", "NSW", 600, nil}, {"Melbourne", "VIC", 600, nil}, {"Brisbane", "QLD", 600, nil},
			{"Perth", "WA", 480, nil}, {"Adelaide", "SA", 570, nil}, {"Gold Coast", "QLD", 600, nil}, {"Canberra", "ACT", 600, nil}},
		nsn:      func(r *rand.Rand, _ city) string { return "4" + digits(r, 8) },
		national: func(n string) string { return "0" + group(n, 3, 3) }},
	"US": {code: "US", name: "United States", currency: "USD", calling: "1", culture: "en",
		cities: []city{{"New York", "NY", -300, []string{"212", "718", "646", "917"}}, {"Boston", "MA", -300, []string{"617", "857"}},
			{"Chicago", "IL", -360, []string{"312", "773"}}, {"Houston", "TX", -360, []string{"713", "832"}},
			{"Denver", "CO", -420, []string{"303", "720"}}, {"Phoenix", "AZ", -420, []string{"602", "480"}},
			{"Los Angeles", "CA", -480, []string{"213", "310", "323"}}, {"San Diego", "CA", -480, []string{"619", "858"}},
			{"Seattle", "WA", -480, []string{"206", "425"}}, {"Portland", "OR", -480, []string{"503", "971"}}},
		nsn: nanpNSN, national: nanpNational},
	"CA": {code: "CA", name: "Canada", currency: "CAD", calling: "1", culture: "en",
		cities: []city{{"Toronto", "ON", -300, []string{"416", "647"}}, {"Montreal", "QC", -300, []string{"514", "438"}},
			{"Ottawa", "ON", -300, []string{"613"}}, {"Calgary", "AB", -420, []string{"403", "587"}},
			{"Vancouver", "BC", -480, []string{"604", "778"}}, {"Winnipeg", "MB", -360, []string{"204"}}},
		nsn: nanpNSN, national: nanpNational},
	"DE": {code: "DE", name: "Germany", currency: "EUR", calling: "49", culture: "de",
		cities: []city{{"Berlin", "BE", 60, nil}, {"Hamburg", "HH", 60, nil}, {"München", "BY", 60, nil}, {"Köln", "NW", 60, nil},
			{"Frankfurt am Main", "HE", 60, nil}, {"Stuttgart", "BW", 60, nil}, {"Leipzig", "SN", 60, nil}, {"Düsseldorf", "NW", 60, nil}},
		nsn: func(r *rand.Rand, _ city) string {
			return prefixed("151", "152", "157", "159", "176", "177", "178", "179")(r, 8)
		},
		national: func(n string) string { return "0" + n[:3] + " " + n[3:] }},
	"NL": {code: "NL", name: "Netherlands", currency: "EUR", calling: "31", culture: "nl",
		cities: []city{{"Amsterdam", "NH", 60, nil}, {"Rotterdam", "ZH", 60, nil}, {"Den Haag", "ZH", 60, nil},
			{"Utrecht", "UT", 60, nil}, {"Eindhoven", "NB", 60, nil}, {"Groningen", "GR", 60, nil}},
		nsn:      func(r *rand.Rand, _ city) string { return "6" + digits(r, 8) },
		national: func(n string) string { return "0" + n[:1] + " " + n[1:] }},
	"PH": {code: "PH", name: "Philippines", currency: "PHP", calling: "63", culture: "ph",
		cities: []city{{"Manila", "NCR", 480, nil}, {"Quezon City", "NCR", 480, nil}, {"Cebu City", "Cebu", 480, nil},
			{"Davao City", "Davao del Sur", 480, nil}, {"Angeles City", "Pampanga", 480, nil}, {"Taguig", "NCR", 480, nil},
			{"Cagayan de Oro", "Misamis Oriental", 480, nil}},
		nsn: func(r *rand.Rand, _ city) string {
			return prefixed("917", "918", "919", "920", "927", "939", "945", "956", "966", "995")(r, 7)
		},
		national: func(n string) string { return "0" + group(n, 3, 3) }},
	"TH": {code: "TH", name: "Thailand", currency: "THB", calling: "66", culture: "th",
		cities: []city{{"Bangkok", "Bangkok", 420, nil}, {"Pattaya", "Chonburi", 420, nil}, {"Chiang Mai", "Chiang Mai", 420, nil},
			{"Udon Thani", "Udon Thani", 420, nil}},
		nsn:      func(r *rand.Rand, _ city) string { return prefixed("8", "9", "6")(r, 8) },
		national: func(n string) string { return "0" + group(n, 2, 3) }},
	"CO": {code: "CO", name: "Colombia", currency: "COP", calling: "57", culture: "co",
		cities: []city{{"Medellín", "Antioquia", -300, nil}, {"Bogotá", "Bogotá D.C.", -300, nil}, {"Cali", "Valle del Cauca", -300, nil},
			{"Cartagena", "Bolívar", -300, nil}, {"Barranquilla", "Atlántico", -300, nil}},
		nsn: func(r *rand.Rand, _ city) string {
			return prefixed("300", "301", "310", "311", "312", "313", "315", "316", "317", "318", "320", "321")(r, 7)
		}},
	"RO": {code: "RO", name: "Romania", currency: "RON", calling: "40", culture: "ro",
		cities: []city{{"București", "B", 120, nil}, {"Cluj-Napoca", "CJ", 120, nil}, {"Iași", "IS", 120, nil},
			{"Timișoara", "TM", 120, nil}, {"Constanța", "CT", 120, nil}},
		nsn:      func(r *rand.Rand, _ city) string { return prefixed("72", "73", "74", "75", "76", "78")(r, 7) },
		national: func(n string) string { return "0" + group(n, 3, 3) }},
	"NG": {code: "NG", name: "Nigeria", currency: "NGN", calling: "234", culture: "ng",
		cities: []city{{"Lagos", "Lagos", 60, nil}, {"Abuja", "FCT", 60, nil}, {"Benin City", "Edo", 60, nil}, {"Port Harcourt", "Rivers", 60, nil}},
		nsn: func(r *rand.Rand, _ city) string {
			return prefixed("803", "806", "813", "816", "703", "706", "903", "906", "805", "807")(r, 7)
		},
		national: func(n string) string { return "0" + group(n, 3, 3) }},
	"GH": {code: "GH", name: "Ghana", currency: "GHS", calling: "233", culture: "gh",
		cities:   []city{{"Accra", "Greater Accra", 0, nil}, {"Kumasi", "Ashanti", 0, nil}},
		nsn:      func(r *rand.Rand, _ city) string { return prefixed("24", "54", "55", "59", "20", "50", "27")(r, 7) },
		national: func(n string) string { return "0" + group(n, 2, 3) }},
	"IN": {code: "IN", name: "India", currency: "INR", calling: "91", culture: "in",
		cities: []city{{"Mumbai", "MH", 330, nil}, {"Pune", "MH", 330, nil}, {"Ahmedabad", "GJ", 330, nil}, {"Kochi", "KL", 330, nil}, {"Chennai", "TN", 330, nil}},
		nsn: func(r *rand.Rand, _ city) string {
			return prefixed("98", "99", "97", "96", "93", "90", "88", "70")(r, 8)
		}},
	"PL": {code: "PL", name: "Poland", currency: "PLN", calling: "48", culture: "pl",
		cities: []city{{"Warszawa", "MZ", 60, nil}, {"Kraków", "MA", 60, nil}, {"Gdańsk", "PM", 60, nil}, {"Wrocław", "DS", 60, nil}},
		nsn: func(r *rand.Rand, _ city) string {
			return prefixed("50", "51", "53", "57", "60", "66", "69", "72", "78", "79", "88")(r, 7)
		}},
	"VN": {code: "VN", name: "Viet Nam", currency: "VND", calling: "84", culture: "vn",
		cities: []city{{"Hồ Chí Minh", "SG", 420, nil}, {"Hà Nội", "HN", 420, nil}, {"Đà Nẵng", "DN", 420, nil}},
		nsn: func(r *rand.Rand, _ city) string {
			return prefixed("90", "91", "93", "94", "96", "97", "98", "86", "88", "89")(r, 7)
		},
		national: func(n string) string { return "0" + group(n, 3, 3) }},
}

// phone is a mobile number: its E.164 form and how it is written.
type phone struct {
	e164, country string
	nsn           string
}

func newPhone(r *rand.Rand, cc string, c city) phone {
	co := countries[cc]
	n := co.nsn(r, c)
	return phone{e164: "+" + co.calling + n, country: cc, nsn: n}
}

// spaced is the number in international form with spaces ("+44 7911 123456").
func (p phone) spaced() string {
	return "+" + countries[p.country].calling + " " + group(p.nsn, 3, 3)
}

// national is the number as dialled at home; ok is false for countries the demo writes only
// internationally.
func (p phone) national() (string, bool) {
	f := countries[p.country].national
	if f == nil {
		return "", false
	}
	return f(p.nsn), true
}

// ipAllocator hands out IP addresses from reserved ranges, each once (until a range wraps).
type ipAllocator struct {
	home    int // next household in 198.18.0.0/15
	foreign int // next host abroad in 192.0.2.0/24, then 2001:db8:ff00::/40
}

// homeV4 is a household's address in 198.18.0.0/15 (RFC 2544). A multiplicative stride spreads
// consecutive households over the range so that neighbours do not look related.
func (a *ipAllocator) homeV4() string {
	const size = 1 << 17
	n := (a.home*7919)%(size-2) + 1
	a.home++
	return netip.AddrFrom4([4]byte{198, 18 + byte(n>>16), byte(n >> 8), byte(n)}).String()
}

// v6 is an address in 2001:db8::/32 (RFC 3849) with a random interface id under a /64 of the
// household.
func v6(r *rand.Rand, household int) string {
	var b [16]byte
	b[0], b[1], b[2], b[3] = 0x20, 0x01, 0x0d, 0xb8
	b[4], b[5], b[6], b[7] = byte(household>>24), byte(household>>16), byte(household>>8), byte(household)
	for i := 8; i < 16; i++ {
		b[i] = byte(r.IntN(256))
	}
	return netip.AddrFrom16(b).String()
}

// foreignV4 is an address of a host abroad (internet café, home in Manila or Lagos).
func (a *ipAllocator) foreignAddr(r *rand.Rand) string {
	a.foreign++
	if a.foreign < 255 {
		return netip.AddrFrom4([4]byte{192, 0, 2, byte(a.foreign)}).String()
	}
	return v6(r, 0xff000000+a.foreign)
}

// vpnExits are the exit addresses of the demo's VPN services (possible proxies), shared by all
// their users.
var vpnExits = []string{
	"198.51.100.11", "198.51.100.12", "198.51.100.13", "198.51.100.27", "198.51.100.28",
	"198.51.100.54", "198.51.100.55", "198.51.100.91", "2001:db8:a0::11", "2001:db8:a0::12",
}

// cgnat is a carrier-grade NAT address shared by many mobile subscribers: only the port tells
// them apart.
func cgnat(r *rand.Rand) (string, int) {
	return netip.AddrFrom4([4]byte{203, 0, 113, byte(1 + r.IntN(254))}).String(), 1024 + r.IntN(64511)
}

// imei returns a 15-digit IMEI with a valid Luhn check digit.
func imei(r *rand.Rand) string {
	body := pick(r, []string{"35", "86", "01", "49", "35", "35"}) + digits(r, 12)
	return body + string(byte('0'+luhnCheck(body)))
}

func luhnCheck(s string) int {
	sum := 0
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if (len(s)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return (10 - sum%10) % 10
}

// adID returns an advertising id (IDFA on iOS is upper-case, AAID on Android lower-case).
func adID(r *rand.Rand, upper bool) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	s := h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	if upper {
		s = strings.ToUpper(s)
	}
	return s
}

// randHex returns n random hex digits (file hashes: random, never of any content).
func randHex(r *rand.Rand, n int) string {
	b := make([]byte, (n+1)/2)
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	return hex.EncodeToString(b)[:n]
}

// iban builds a valid IBAN for GB, DE or NL from random account digits.
func iban(r *rand.Rand, cc string) string {
	var bban string
	switch cc {
	case "GB":
		bban = pick(r, []string{"NWBK", "BARC", "LOYD", "HBUK", "MIDL", "MONZ"}) + digits(r, 14)
	case "DE":
		bban = digits(r, 18)
	case "NL":
		bban = pick(r, []string{"ABNA", "INGB", "RABO", "SNSB", "TRIO", "BUNQ"}) + digits(r, 10)
	default:
		panic("demo: no IBAN layout for " + cc)
	}
	var num strings.Builder
	for _, c := range bban + cc + "00" {
		if c >= 'A' && c <= 'Z' {
			num.WriteString(fmt.Sprint(int(c-'A') + 10))
		} else {
			num.WriteRune(c)
		}
	}
	n, _ := new(big.Int).SetString(num.String(), 10)
	check := 98 - new(big.Int).Mod(n, big.NewInt(97)).Int64()
	return fmt.Sprintf("%s%02d%s", cc, check, bban)
}
