package graph_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/crosslink/crosslink/graph"
	"github.com/nyaruka/phonenumbers"
)

// checkInvalid fails t unless err is an EINVALID *graph.Error whose message contains want.
func checkInvalid(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", want)
	}
	if code := graph.ErrorCode(err); code != graph.EINVALID {
		t.Fatalf("error code = %q, want %q (error %v)", code, graph.EINVALID, err)
	}
	if msg := graph.ErrorMessage(err); !strings.Contains(msg, want) {
		t.Fatalf("error message = %q, want it to contain %q", msg, want)
	}
}

func TestNormalizeEmail(t *testing.T) {
	for _, tt := range []struct {
		in, want, err string
	}{
		{in: " Bob@Example.ORG ", want: "bob@example.org"},
		{in: "a+tag@x.co.uk", want: "a+tag@x.co.uk"},
		{in: "o'neil@x.org", want: "o'neil@x.org"},
		{in: "ÜSER@BÜCHER.de", want: "üser@bücher.de"},
		{in: "", err: "empty"},
		{in: "bob", err: "exactly one @"},
		{in: "a@b@x.org", err: "exactly one @"},
		{in: "@x.org", err: "nothing before the @"},
		{in: "a@x", err: "no dot"},
		{in: "Bob <b@x.org>", err: "display name"},
		{in: "<b@x.org>", err: "display name"},
		{in: "b@x.org (Bob)", err: "space"},
		{in: "b@x.org(Bob)", err: "display name or comment"},
		{in: "a b@x.org", err: "space"},
		{in: "a@x.org\u00a0b", err: "space"},
		{in: "a@x.org\u200b", err: "invisible"},
		{in: `"a"@x.org`, err: "quotes"},
		{in: "a@[192.0.2.1]", err: "IP address"},
		{in: "a..b@x.org", err: "not a valid"},
		{in: "a@x.org.", err: "not a valid"},
		{in: strings.Repeat("a", 250) + "@x.org", err: "longer than 254"},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, err := graph.NormalizeEmail(tt.in)
			if tt.err != "" {
				checkInvalid(t, err, tt.err)
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("NormalizeEmail(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestNormalizePhone(t *testing.T) {
	for _, tt := range []struct {
		in, region, want, err string
	}{
		{in: "+63 917 123 4567", want: "+639171234567"},
		{in: "+63 917 123 4567", region: "GB", want: "+639171234567"},
		{in: "0917 123 4567", region: "PH", want: "+639171234567"},
		{in: "0917-123-4567", region: "ph", want: "+639171234567"},
		{in: "0917 123 4567", region: "PHL", want: "+639171234567"},
		{in: "(020) 7946 0018", region: "GB", want: "+442079460018"},
		{in: "(020) 7946 0018", region: "UK", want: "+442079460018"},
		{in: "00 44 20 7946 0018", region: "DE", want: "+442079460018"},
		{in: "+44 (0) 20 7946 0018", want: "+442079460018"},
		{in: "+44 20 7946 0018 ext. 123", want: "+442079460018"},
		{in: "tel:+44-20-7946-0018", want: "+442079460018"},
		{in: "+383 44 123 456", want: "+38344123456"},
		{in: "62889", region: "AC", want: "+24762889"}, // a numbering-plan region, not a country
		{in: "+63 2 1234 5678", want: "+63212345678"},  // possible but not "valid": kept
		{in: "garbage", region: "GB", err: "not a phone number"},
		{in: "", region: "GB", err: "empty"},
		{in: "(020) 7946 0018", err: "no default region"},
		{in: "123", region: "GB", err: "too short"},
		{in: "+999 1234567", err: "unknown country calling code"},
		{in: "+44 12345678901234567", err: "too long"},
		{in: "7946 0018", region: "GB", err: "lacks its area code"},
		{in: "000000", region: "CC", err: "not a phone number"},
		{in: "012345", region: "CC", err: "no stable E.164 form"}, // +61012345 would read back as +6112345
		{in: "0917 123 4567", region: "EU", err: "default region: EU is a group"},
	} {
		t.Run(tt.in+"/"+tt.region, func(t *testing.T) {
			got, err := graph.NormalizePhone(tt.in, tt.region)
			if tt.err != "" {
				checkInvalid(t, err, tt.err)
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("NormalizePhone(%q, %q) = %q, %v; want %q", tt.in, tt.region, got, err, tt.want)
			}
		})
	}
}

// TestNormalizePhoneRegionExamples normalises libphonenumber's example numbers of every region
// it supports, written as dialled at home and internationally.
func TestNormalizePhoneRegionExamples(t *testing.T) {
	for region := range phonenumbers.GetSupportedRegions() {
		for _, typ := range []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.MOBILE} {
			ex := phonenumbers.GetExampleNumberForType(region, typ)
			if ex == nil {
				continue
			}
			want := phonenumbers.Format(ex, phonenumbers.E164)
			texts := []string{phonenumbers.Format(ex, phonenumbers.INTERNATIONAL)}
			if typ == phonenumbers.FIXED_LINE {
				// Not mobiles: Argentina's national mobile format ("09 15-...") does not
				// parse back to the same number, a known libphonenumber quirk.
				texts = append(texts, phonenumbers.Format(ex, phonenumbers.NATIONAL))
			}
			for _, text := range texts {
				if got, err := graph.NormalizePhone(text, region); err != nil || got != want {
					t.Errorf("NormalizePhone(%q, %q) = %q, %v; want %q", text, region, got, err, want)
				}
			}
		}
	}
}

func TestNormalizeIBAN(t *testing.T) {
	for _, tt := range []struct {
		in, want, err string
	}{
		{in: "GB82 WEST 1234 5698 7654 32", want: "GB82WEST12345698765432"},
		{in: "DE89 3704 0044 0532 0130 00", want: "DE89370400440532013000"},
		{in: "de89-3704-0044-0532-0130-00", want: "DE89370400440532013000"},
		{in: " NL91ABNA0417164300\t", want: "NL91ABNA0417164300"},
		{in: "GB82 WEST 1234 5698 7654 33", err: "checksum"},
		{in: "DE89 3704 0044 0532 0130 01", err: "checksum"},
		{in: "GB82 WEST 1234 5698 7654 3", err: "has 21 characters; GB IBANs have 22"},
		{in: "DE89 3704 0044 0532 0130 000", err: "has 23 characters; DE IBANs have 22"},
		{in: "US12 3456 7890 1234 5678", err: "not in the IBAN registry"},
		{in: "GBXX WEST 1234 5698 7654 32", err: "check digits"},
		{in: "1282 WEST 1234 5698 7654 32", err: "two-letter country code"},
		{in: "GB82/WEST/1234", err: "contains '/'"},
		{in: "IBAN GB82 WEST 1234 5698 7654 32", err: "not in the IBAN registry"},
		{in: "", err: "empty"},
		{in: " - ", err: "empty"},
		{in: strings.Repeat("1", 101), err: "too long"},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, err := graph.NormalizeIBAN(tt.in)
			if tt.err != "" {
				checkInvalid(t, err, tt.err)
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("NormalizeIBAN(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

// registryExamples are the print-format examples of the SWIFT IBAN Registry, release 100, one per
// country. Every one must pass.
var registryExamples = []string{
	"AD12 0001 2030 2003 5910 0100", "AE07 0331 2345 6789 0123 456",
	"AL47 2121 1009 0000 0002 3569 8741", "AT61 1904 3002 3457 3201",
	"AZ21 NABZ 0000 0000 1370 1000 1944", "BA39 1290 0794 0102 8494", "BE68 5390 0754 7034",
	"BG80 BNBG 9661 1020 3456 78", "BH67 BMAG 0000 1299 1234 56",
	"BI42 10000 10001 00003320451 81", "BR18 0036 0305 0000 1000 9795 493C 1",
	"BY13 NBRB 3600 9000 0000 2Z00 AB00", "CH93 0076 2011 6238 5295 7",
	"CR05 0152 0200 1026 2840 66", "CY17 0020 0128 0000 0012 0052 7600",
	"CZ65 0800 0000 1920 0014 5399", "DE89 3704 0044 0532 0130 00",
	"DJ21 0001 0000 0001 5400 0100 186", "DK50 0040 0440 1162 43",
	"DO28 BAGR 0000 0001 2124 5361 1324", "EE38 2200 2210 2014 5685",
	"EG38 0019 0005 0000 0000 2631 8000 2", "ES91 2100 0418 4502 0005 1332",
	"FI21 1234 5600 0007 85", "FK88 SC12 3456 7890 12", "FO62 6460 0001 6316 34",
	"FR14 2004 1010 0505 0001 3M02 606", "GB29 NWBK 6016 1331 9268 19",
	"GE29 NB00 0000 0101 9049 17", "GI75 NWBK 0000 0000 7099 453", "GL89 6471 0001 0002 06",
	"GR16 0110 1250 0000 0001 2300 695", "GT82 TRAJ 0102 0000 0012 1002 9690",
	"HN88 CABF 0000 0000 0002 5000 5469", "HR12 1001 0051 8630 0016 0",
	"HU42 1177 3016 1111 1018 0000 0000", "IE29 AIBK 9311 5212 3456 78",
	"IL62 0108 0000 0009 9999 999", "IQ98 NBIQ 8501 2345 6789 012",
	"IS14 0159 2600 7654 5510 7303 39", "IT60 X054 2811 1010 0000 0123 456",
	"JO94 CBJO 0010 0000 0000 0131 0003 02", "KW81 CBKU 0000 0000 0000 1234 5601 01",
	"KZ86 125K ZT50 0410 0100", "LB62 0999 0000 0001 0019 0122 9114",
	"LC55 HEMM 0001 0001 0012 0012 0002 3015", "LI21 0881 0000 2324 013A A",
	"LT12 1000 0111 0100 1000", "LU28 0019 4006 4475 0000", "LV80 BANK 0000 4351 9500 1",
	"LY83 002 048 000020100120361", "MC58 1122 2000 0101 2345 6789 030",
	"MD24 AG00 0225 1000 1310 4168", "ME25 5050 0001 2345 6789 51", "MK07 2501 2000 0058 984",
	"MN12 1234 1234 5678 9123", "MR13 0002 0001 0100 0012 3456 753",
	"MT84 MALT 0110 0001 2345 MTLC AST0 01S", "MU17 BOMM 0101 1010 3030 0200 000M UR",
	"NI45 BAPR 0000 0013 0000 0355 8124", "NL91 ABNA 0417 1643 00", "NO93 8601 1117 947",
	"OM81 0180 0000 0129 9123 456", "PK36 SCBL 0000 0011 2345 6702",
	"PL61 1090 1014 0000 0712 1981 2874", "PS92 PALS 0000 0000 0400 1234 5670 2",
	"PT50 0002 0123 1234 5678 9015 4", "QA58 DOHB 0000 1234 5678 90AB CDEF G",
	"RO49 AAAA 1B31 0075 9384 0000", "RS35 2600 0560 1001 6113 79",
	"RU03 0445 2522 5408 1781 0538 0913 1041 9", "SA03 8000 0000 6080 1016 7519",
	"SC18 SSCB 1101 0000 0000 0000 1497 USD", "SD21 2901 0501 2340 01",
	"SE45 5000 0000 0583 9825 7466", "SI56 2633 0001 2039 086", "SK31 1200 0000 1987 4263 7541",
	"SM86 U032 2509 8000 0000 0270 100", "SO21 1000 0010 0100 0100 141",
	"ST23 0001 0001 0051 8453 1014 6", "SV 62 CENR 00000000000000700025",
	"TL38 0080 0123 4567 8910 157", "TN59 1000 6035 1835 9847 8831",
	"TR33 0006 1005 1978 6457 8413 26", "UA21 3223 1300 0002 6007 2335 6600 1",
	"VA59 001 1230 0001 2345 678", "VG96 VPVG 0000 0123 4567 8901", "XK05 1212 0123 4567 8906",
	"YE15 CBYE 0001 0188 6123 4567 8912 34",
}

func TestNormalizeIBANRegistryExamples(t *testing.T) {
	countries := map[string]bool{}
	for _, ex := range registryExamples {
		want := strings.ReplaceAll(ex, " ", "")
		got, err := graph.NormalizeIBAN(ex)
		if err != nil || got != want {
			t.Errorf("NormalizeIBAN(%q) = %q, %v; want %q", ex, got, err, want)
		}
		countries[want[:2]] = true
	}
	if len(countries) != 89 {
		t.Errorf("registry examples cover %d countries, want the registry's 89", len(countries))
	}
}

// TestNormalizeIBANNeverIssuedCheckDigits builds an account whose check digits are 97 or 98 and
// shows that 00 or 01, which the mod-97 sum cannot tell from them, are still rejected.
func TestNormalizeIBANNeverIssuedCheckDigits(t *testing.T) {
	for n := range 10000 {
		bban := fmt.Sprintf("37040044053201%04d", n)
		cd := 98 - mod97(bban+"1314"+"00") // D=13, E=14
		if cd != 97 && cd != 98 {
			continue
		}
		good := fmt.Sprintf("DE%02d%s", cd, bban)
		if got, err := graph.NormalizeIBAN(good); err != nil || got != good {
			t.Fatalf("NormalizeIBAN(%q) = %q, %v; want it accepted", good, got, err)
		}
		bad := fmt.Sprintf("DE%02d%s", cd-97, bban)
		_, err := graph.NormalizeIBAN(bad)
		checkInvalid(t, err, "never issued")
		return
	}
	t.Fatal("found no account with check digits 97 or 98")
}

func mod97(digits string) int {
	rem := 0
	for _, c := range digits {
		rem = (rem*10 + int(c-'0')) % 97
	}
	return rem
}

func TestNormalizeIP(t *testing.T) {
	for _, tt := range []struct {
		in, want, err string
	}{
		{in: "192.0.2.1", want: "192.0.2.1"},
		{in: " 192.0.2.1\n", want: "192.0.2.1"},
		{in: "2001:DB8:0:0:0:0:0:1", want: "2001:db8::1"},
		{in: "2001:0db8:0000:0000:0000:ff00:0042:8329", want: "2001:db8::ff00:42:8329"},
		{in: "2001:db8:0:0:1:0:0:1", want: "2001:db8::1:0:0:1"},
		{in: "::ffff:1.2.3.4", want: "1.2.3.4"},
		{in: "::FFFF:C000:0201", want: "192.0.2.1"},
		{in: "fe80::1%eth0", want: "fe80::1"},
		{in: "::", want: "::"},
		{in: "1.2.3.4:80", err: "has a port; put it in the port field"},
		{in: "[2001:db8::1]:443", err: "has a port"},
		{in: "10.0.0.0/8", err: "CIDR"},
		{in: "2001:db8::/32", err: "CIDR"},
		{in: "[2001:db8::1]", err: "brackets"},
		{in: "256.1.1.1", err: "not an IPv4 or IPv6"},
		{in: "01.2.3.4", err: "not an IPv4 or IPv6"},
		{in: "example.com", err: "not an IPv4 or IPv6"},
		{in: "", err: "empty"},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, err := graph.NormalizeIP(tt.in)
			if tt.err != "" {
				checkInvalid(t, err, tt.err)
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("NormalizeIP(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestNormalizeDevice(t *testing.T) {
	for _, tt := range []struct {
		kind, in, want, err string
	}{
		{kind: "imei", in: "490154203237518", want: "490154203237518"},
		{kind: "imei", in: "49-015420-323751-8", want: "490154203237518"},
		{kind: "imei", in: "49015420323751", want: "490154203237518"},   // check digit added
		{kind: "imei", in: "4901542032375199", want: "490154203237518"}, // IMEISV: same device
		{kind: "imei", in: "490154203237517", err: "check digit does not match"},
		{kind: "imei", in: "49015420323751X", err: "must be digits"},
		{kind: "imei", in: "000000000000000", err: "all zeros"},
		{kind: "imei", in: "4901542032", err: "has 10 digits"},
		{kind: "iccid", in: "8944 5000 0000 0000 001F", want: "8944500000000000001"},
		{kind: "iccid", in: "1234500000000000001", err: "must start with 89"},
		{kind: "iccid", in: "8944", err: "has 4 digits"},
		{kind: "idfa", in: "6D92078A-8246-4BA4-AE5B-76104861E7DC", want: "6d92078a-8246-4ba4-ae5b-76104861e7dc"},
		{kind: "aaid", in: "00000000-0000-0000-0000-000000000000", err: "all zeros"},
		{kind: "aaid", in: "6d92078a82464ba4ae5b76104861e7dc", err: "must be a UUID"},
		{kind: "device", in: "Pixel-7:ab12", want: "Pixel-7:ab12"},
		{kind: "device", in: "two words", err: "contains a space"},
		{kind: "device", in: "bell\x07", err: "control or invisible"},
		{kind: "device", in: "bad\xff", err: "control or invisible"},
		{kind: "device", in: strings.Repeat("x", 1025), err: "longer than 1024 bytes"},
		{kind: "mac", in: "aa:bb", err: `unknown device type "mac"`},
	} {
		t.Run(tt.kind+" "+tt.in, func(t *testing.T) {
			got, err := graph.NormalizeDevice(tt.kind, tt.in)
			if tt.err != "" {
				checkInvalid(t, err, tt.err)
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("NormalizeDevice(%q, %q) = %q, %v; want %q", tt.kind, tt.in, got, err, tt.want)
			}
		})
	}
	for _, k := range graph.DeviceKinds {
		if !graph.ValidDeviceKind(k) {
			t.Errorf("ValidDeviceKind(%q) = false", k)
		}
	}
	if graph.ValidDeviceKind("IMEI") {
		t.Error(`ValidDeviceKind("IMEI") = true; kinds are lower case`)
	}
}

func TestNormalizeCountry(t *testing.T) {
	for _, tt := range []struct {
		in, want, err string
	}{
		{in: "PH", want: "PH"},
		{in: " ph ", want: "PH"},
		{in: "PHL", want: "PH"},
		{in: "gbr", want: "GB"},
		{in: "UK", want: "GB"},
		{in: "uk", want: "GB"},
		{in: "DEU", want: "DE"},
		{in: "AQ", want: "AQ"},
		{in: "XK", want: "XK"},
		{in: "XKX", want: "XK"},
		{in: "EU", err: "group"},
		{in: "419", err: "2 or 3 letters"},
		{in: "UN", err: "reserved"},
		{in: "IC", err: "reserved"},
		{in: "AC", err: "reserved"},
		{in: "QO", err: "private-use"},
		{in: "AA", err: "private-use"},
		{in: "ZZ", err: "private-use"},
		{in: "XA", err: "private-use"},
		{in: "ZR", err: "withdrawn"},
		{in: "ZAR", err: "withdrawn"},
		{in: "DD", err: "withdrawn"},
		{in: "SU", err: "withdrawn"},
		{in: "YU", err: "withdrawn"},
		{in: "AN", err: "withdrawn"},
		{in: "ABC", err: "unknown"},
		{in: "P", err: "2 or 3 letters"},
		{in: "PHIL", err: "2 or 3 letters"},
		{in: "", err: "empty"},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, err := graph.NormalizeCountry(tt.in)
			if tt.err != "" {
				checkInvalid(t, err, tt.err)
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("NormalizeCountry(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

// TestNormalizeCountryCount checks the whole two-letter space: ISO 3166-1 assigns 249 codes;
// Kosovo's XK and the alias UK make 251.
func TestNormalizeCountryCount(t *testing.T) {
	n := 0
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			if _, err := graph.NormalizeCountry(string([]rune{a, b})); err == nil {
				n++
			}
		}
	}
	if n != 251 {
		t.Errorf("NormalizeCountry accepts %d two-letter codes, want 251", n)
	}
}

func TestNormalizeCurrency(t *testing.T) {
	for _, tt := range []struct {
		in, want, err string
	}{
		{in: "EUR", want: "EUR"},
		{in: " eur ", want: "EUR"},
		{in: "jpy", want: "JPY"},
		{in: "VES", want: "VES"},
		{in: "MRU", want: "MRU"},
		{in: "XXX", err: "no currency"},
		{in: "xts", err: "testing"},
		{in: "ABC", err: "unknown"},
		{in: "EURO", err: "3 letters"},
		{in: "€", err: "3 letters"},
		{in: "", err: "empty"},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, err := graph.NormalizeCurrency(tt.in)
			if tt.err != "" {
				checkInvalid(t, err, tt.err)
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("NormalizeCurrency(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestCurrencyScale(t *testing.T) {
	for _, tt := range []struct {
		code string
		want int
	}{
		{"EUR", 2}, {"usd", 2}, {"JPY", 0}, {"KWD", 3}, {"BHD", 3}, {"CLP", 0}, {"ISK", 0},
		{"KRW", 0}, {"VND", 0}, {"CLF", 4}, {"UYW", 4},
		// CLDR shows these with fewer decimals than ISO 4217 gives them.
		{"IQD", 3}, {"COP", 2}, {"IDR", 2}, {"RSD", 2}, {"PKR", 2},
		// Cash rounding differs for these; the scale does not.
		{"HUF", 2}, {"TWD", 2},
		{"VES", 2}, {"PHP", 2},
		{"XXX", -1}, {"ABC", -1}, {"", -1},
	} {
		if got := graph.CurrencyScale(tt.code); got != tt.want {
			t.Errorf("CurrencyScale(%q) = %d, want %d", tt.code, got, tt.want)
		}
	}
}

func TestParseAmount(t *testing.T) {
	for _, tt := range []struct {
		in, currency string
		want         int64
		err          string
	}{
		{in: "12.34", currency: "EUR", want: 1234},
		{in: "0.10", currency: "EUR", want: 10},
		{in: "12,34", currency: "EUR", want: 1234},
		{in: "12,3", currency: "EUR", want: 1230},
		{in: "12.3", currency: "EUR", want: 1230},
		{in: "12.340", currency: "EUR", want: 1234},
		{in: "12.3400000", currency: "EUR", want: 1234},
		{in: "+5", currency: "EUR", want: 500},
		{in: " 7.5 ", currency: "usd", want: 750},
		{in: "00012.5", currency: "EUR", want: 1250},
		{in: "0", currency: "EUR", want: 0},
		{in: "100", currency: "JPY", want: 100},
		{in: "100.00", currency: "JPY", want: 100},
		{in: "1.234", currency: "KWD", want: 1234},
		{in: "100000000000", currency: "EUR", want: graph.MaxAmountMinor},
		{in: "12.345", currency: "EUR", err: "has 3 decimals; the currency has 2"},
		{in: "100.5", currency: "JPY", err: "has 1 decimals; the currency has 0"},
		{in: "1e3", currency: "EUR", err: "exponent"},
		{in: "1E-2", currency: "EUR", err: "exponent"},
		{in: "-5", currency: "EUR", err: "negative"},
		{in: "\u22125", currency: "EUR", err: "negative"},
		{in: "1,234.50", currency: "EUR", err: "thousands separators"},
		{in: "1.234,50", currency: "EUR", err: "thousands separators"},
		{in: "1 234", currency: "EUR", err: "thousands separators"},
		{in: "1,000", currency: "EUR", err: "ambiguous"},
		{in: "100000000000.01", currency: "EUR", err: "too large"},
		{in: "99999999999999999999999999", currency: "EUR", err: "too large"},
		{in: "NaN", currency: "EUR", err: "not a plain decimal"},
		{in: "Inf", currency: "EUR", err: "not a plain decimal"},
		{in: "0x10", currency: "EUR", err: "not a plain decimal"},
		{in: "١٢", currency: "EUR", err: "not a plain decimal"},
		{in: ".5", currency: "EUR", err: "no digits before"},
		{in: "5.", currency: "EUR", err: "no digits after"},
		{in: "+", currency: "EUR", err: "no digits before"},
		{in: "", currency: "EUR", err: "empty"},
		{in: "12.34", currency: "XXX", err: "currency: XXX means no currency"},
		{in: "12.34", currency: "ABC", err: "currency: unknown currency code ABC"},
	} {
		t.Run(tt.in+"/"+tt.currency, func(t *testing.T) {
			got, err := graph.ParseAmount(tt.in, tt.currency)
			if tt.err != "" {
				checkInvalid(t, err, tt.err)
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseAmount(%q, %q) = %d, %v; want %d", tt.in, tt.currency, got, err, tt.want)
			}
		})
	}
}

func TestFormatAmount(t *testing.T) {
	for _, tt := range []struct {
		minor    int64
		currency string
		want     string
	}{
		{1234, "EUR", "12.34"},
		{5, "EUR", "0.05"},
		{0, "EUR", "0.00"},
		{1234, "JPY", "1234"},
		{1234, "KWD", "1.234"},
		{12345, "CLF", "1.2345"},
		{-1234, "EUR", "-12.34"},
		{math.MinInt64, "EUR", "-92233720368547758.08"},
		{1234, "XXX", "12.34"},
	} {
		if got := graph.FormatAmount(tt.minor, tt.currency); got != tt.want {
			t.Errorf("FormatAmount(%d, %q) = %q, want %q", tt.minor, tt.currency, got, tt.want)
		}
	}
}

func TestNormalizeHandle(t *testing.T) {
	for _, tt := range []struct {
		in, want, err string
	}{
		{in: "@Bob_99", want: "bob_99"},
		{in: " alice.smith ", want: "alice.smith"},
		{in: "snap-user", want: "snap-user"},
		{in: "ＢＯＢ", want: "bob"},
		{in: "＠ｂｏｂ", want: "bob"},
		{in: "Ünïcödé", want: "ünïcödé"},
		{in: "ΣΟΦΙΑ", want: "σοφια"},
		{in: "नमस्ते", want: "नमस्ते"},
		{in: "@@bob", err: "contains '@'"},
		{in: "@", err: "empty"},
		{in: "", err: "empty"},
		{in: "bob smith", err: "space"},
		{in: "bob!", err: "contains '!'"},
		{in: "😀", err: "contains"},
		{in: strings.Repeat("a", 257), err: "longer than 256"},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, err := graph.NormalizeHandle(tt.in)
			if tt.err != "" {
				checkInvalid(t, err, tt.err)
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("NormalizeHandle(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestNormalizeHash(t *testing.T) {
	const (
		md5    = "d41d8cd98f00b204e9800998ecf8427e"
		sha1   = "da39a3ee5e6b4b0d3255bfef95601890afd80709"
		sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	)
	for _, tt := range []struct {
		algo, value       string
		wantAlgo, wantVal string
		err               string
	}{
		{algo: "md5", value: strings.ToUpper(md5), wantAlgo: "MD5", wantVal: md5},
		{algo: "SHA1", value: sha1, wantAlgo: "SHA1", wantVal: sha1},
		{algo: "SHA-1", value: sha1, wantAlgo: "SHA1", wantVal: sha1},
		{algo: "sha_256", value: sha256, wantAlgo: "SHA256", wantVal: sha256},
		{algo: "", value: " " + md5 + " ", wantAlgo: "MD5", wantVal: md5},
		{algo: "", value: strings.ToUpper(sha1), wantAlgo: "SHA1", wantVal: sha1},
		{algo: "", value: sha256, wantAlgo: "SHA256", wantVal: sha256},
		{algo: "photodna", value: "AbC+/x==", wantAlgo: "PHOTODNA", wantVal: "AbC+/x=="},
		{algo: "Other", value: "DEADbeef", wantAlgo: "OTHER", wantVal: "DEADbeef"},
		{algo: "md5", value: md5[:31], err: "MD5 hash must be 32 hex digits"},
		{algo: "sha1", value: "g" + sha1[1:], err: "SHA1 hash must be 40 hex digits"},
		{algo: "", value: "xyz", err: "give the algorithm"},
		{algo: "", value: md5 + "0", err: "give the algorithm"},
		{algo: "crc32", value: "abcd", err: "unknown hash algorithm"},
		{algo: "other", value: "ab cd", err: "space"},
		{algo: "other", value: "ab$cd", err: "base64 or hex"},
		{algo: "other", value: strings.Repeat("a", 1025), err: "longer than 1024"},
		{algo: "photodna", value: "", err: "empty"},
	} {
		t.Run(tt.algo+"/"+tt.value, func(t *testing.T) {
			algo, val, err := graph.NormalizeHash(tt.algo, tt.value)
			if tt.err != "" {
				checkInvalid(t, err, tt.err)
				return
			}
			if err != nil || algo != tt.wantAlgo || val != tt.wantVal {
				t.Fatalf("NormalizeHash(%q, %q) = %q, %q, %v; want %q, %q", tt.algo, tt.value, algo, val, err, tt.wantAlgo, tt.wantVal)
			}
		})
	}
}

// testNow is the "now" of the time and date tests.
var testNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func TestNormalizeTime(t *testing.T) {
	manila := time.FixedZone("PHT", 8*3600)
	utc := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	for _, tt := range []struct {
		in   string
		loc  *time.Location
		want time.Time
		err  string
	}{
		{in: "2024-03-01T10:00:00Z", want: utc("2024-03-01T10:00:00Z")},
		{in: "2024-03-01T10:00:00+08:00", want: utc("2024-03-01T02:00:00Z")},
		{in: "2024-03-01T10:00:00+08:00", loc: time.UTC, want: utc("2024-03-01T02:00:00Z")},
		{in: "2024-03-01T10:00:00.123456Z", want: utc("2024-03-01T10:00:00.123456Z")},
		{in: "2024-03-01 10:00:00", want: utc("2024-03-01T10:00:00Z")},
		{in: "2024-03-01 10:00:00", loc: manila, want: utc("2024-03-01T02:00:00Z")},
		{in: "2024-03-01T10:00:00", loc: manila, want: utc("2024-03-01T02:00:00Z")},
		{in: "2024-03-01 10:00:00.5", want: utc("2024-03-01T10:00:00.5Z")},
		{in: "2024-03-01 10:00:00-05:00", want: utc("2024-03-01T15:00:00Z")},
		{in: "2024-03-01", want: utc("2024-03-01T00:00:00Z")},
		{in: "2024-03-01", loc: manila, want: utc("2024-02-29T16:00:00Z")},
		{in: " 1970-01-01T00:00:00Z ", want: utc("1970-01-01T00:00:00Z")},
		{in: "2025-06-02T11:59:59Z", want: utc("2025-06-02T11:59:59Z")},
		{in: "1969-12-31T23:59:59Z", err: "before 1970"},
		{in: "1970-01-01", loc: manila, err: "before 1970"},
		{in: "2025-06-02T12:00:01Z", err: "more than a day in the future"},
		{in: "2024-13-01", err: "not a time"},
		{in: "2024-02-30", err: "not a time"},
		{in: "01/03/2024", err: "not a time"},
		{in: "2024-03-01T10:00", err: "not a time"},
		{in: "yesterday", err: "not a time"},
		{in: "", err: "empty"},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, err := graph.NormalizeTime(tt.in, tt.loc, testNow)
			if tt.err != "" {
				checkInvalid(t, err, tt.err)
				return
			}
			if err != nil || !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Fatalf("NormalizeTime(%q) = %v, %v; want %v in UTC", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestNormalizeDate(t *testing.T) {
	for _, tt := range []struct {
		in, want, err string
	}{
		{in: "1990-05-17", want: "1990-05-17"},
		{in: "1990-05", want: "1990-05"},
		{in: " 1990 ", want: "1990"},
		{in: "2000-02-29", want: "2000-02-29"},
		{in: "1900", want: "1900"},
		{in: "2025", want: "2025"},
		{in: "2025-06", want: "2025-06"},
		{in: "2025-06-01", want: "2025-06-01"},
		{in: "1899-12-31", err: "before 1900"},
		{in: "2026", err: "future"},
		{in: "2025-07", err: "future"},
		{in: "2025-06-02", err: "future"},
		{in: "1990-13", err: "month"},
		{in: "1990-00-10", err: "month"},
		{in: "1999-02-29", err: "day does not exist"},
		{in: "1990-04-31", err: "day does not exist"},
		{in: "1990-05-00", err: "day does not exist"},
		{in: "1990-5-17", err: "not a date"},
		{in: "17.05.1990", err: "not a date"},
		{in: "199O", err: "not a date"},
		{in: "+1990", err: "not a date"},
		{in: "", err: "empty"},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, err := graph.NormalizeDate(tt.in, testNow)
			if tt.err != "" {
				checkInvalid(t, err, tt.err)
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("NormalizeDate(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

// TestNormalizeKeyed checks the privacy-preserving mode: a keyed value ("hmac:" and 64 hex
// digits, resolve.KeyIdentifier) passes every identifier normaliser as it is, lower-cased,
// and anything short of one is judged as a clear value still.
func TestNormalizeKeyed(t *testing.T) {
	hex := "4916600e428bb9d42515f8a6e6b7e1ca3bd611ac8c4ba9347029f09b44f336f5"
	want := "hmac:" + hex
	normalizers := map[string]func(string) (string, error){
		"email": graph.NormalizeEmail,
		"phone": func(s string) (string, error) { return graph.NormalizePhone(s, "") },
		// A region that is no country does not matter: the partner read the number before keying.
		"phone bad region": func(s string) (string, error) { return graph.NormalizePhone(s, "EU") },
		"iban":             graph.NormalizeIBAN,
		"handle":           graph.NormalizeHandle,
	}
	for _, kind := range graph.DeviceKinds {
		normalizers["device "+kind] = func(s string) (string, error) { return graph.NormalizeDevice(kind, s) }
	}
	for name, f := range normalizers {
		for _, in := range []string{want, " " + want + " ", "HMAC:" + strings.ToUpper(hex), "Hmac:" + hex} {
			if got, err := f(in); err != nil || got != want {
				t.Errorf("%s(%q) = %q, %v; want %q", name, in, got, err, want)
			}
		}
		for _, in := range []string{"hmac:" + hex[:63], "hmac:" + hex + "0", "hmac:" + hex[:63] + "g", "hmac: " + hex, "sha:" + hex} {
			// The opaque device kind takes them as they are, as any other id.
			if got, err := f(in); err == nil && (got != in || name != "device device") {
				t.Errorf("%s(%q) = %q: taken for a keyed value", name, in, got)
			}
		}
	}
	if _, err := graph.NormalizeDevice("mac", want); err == nil {
		t.Error("NormalizeDevice accepted a keyed value of an unknown kind")
	}
	if got := graph.EmailID(want); got != "email:"+want {
		t.Errorf("EmailID = %q", got)
	}
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{want, true}, {"  HMAC:" + strings.ToUpper(hex) + "\t", true}, {"hmac:" + hex[:62], false}, {"", false}, {"hmac:" + hex + "x", false},
	} {
		if got, ok := graph.KeyedValue(tt.in); ok != tt.want || ok && got != want {
			t.Errorf("KeyedValue(%q) = %q, %v; want %v", tt.in, got, ok, tt.want)
		}
	}
}
