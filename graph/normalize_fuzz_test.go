package graph_test

// Fuzz tests of the normalisers: none panics, every error is EINVALID, and normalising a
// normalised value gives the same value without error, so that an id built from it is stable.
// Inputs that once failed are kept under testdata/fuzz/<FuzzName>/ and run with go test.

import (
	"testing"
	"time"
	"unicode/utf8"

	"github.com/crosslink/crosslink/graph"
)

// checkErr fails t unless err is nil or an EINVALID *graph.Error with a message.
func checkErr(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if graph.ErrorCode(err) != graph.EINVALID || graph.ErrorMessage(err) == "internal error" {
		t.Fatalf("error %v is not an EINVALID *graph.Error with a message", err)
	}
}

// checkIdempotent normalises got again with f and fails t unless the result is got.
func checkIdempotent(t *testing.T, f func(string) (string, error), in, got string) {
	t.Helper()
	again, err := f(got)
	if err != nil || again != got {
		t.Fatalf("not idempotent: %q -> %q -> %q, %v", in, got, again, err)
	}
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{" Bob@Example.ORG ", "Bob <b@x.org>", "a@b@c.org", "ÜSER@BÜCHER.de", `"a"@x.org`, "a@[1.2.3.4]", "İ@x.org", "HMAC:4916600E428BB9D42515F8A6E6B7E1CA3BD611AC8C4BA9347029F09B44F336F5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := graph.NormalizeEmail(s)
		checkErr(t, err)
		if err != nil {
			return
		}
		checkIdempotent(t, graph.NormalizeEmail, s, got)
	})
}

func FuzzNormalizePhone(f *testing.F) {
	for _, c := range [][2]string{
		{"+63 917 123 4567", ""}, {"0917 123 4567", "PH"}, {"(020) 7946 0018", "GB"},
		{"00 44 20 7946 0018", "de"}, {"+1 800 FLOWERS", ""}, {"garbage", "GB"}, {"+44 20 7946 0018 ext. 12", "UK"},
	} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, s, region string) {
		got, err := graph.NormalizePhone(s, region)
		checkErr(t, err)
		if err != nil {
			return
		}
		// E.164 carries its country: the region no longer matters.
		checkIdempotent(t, func(s string) (string, error) { return graph.NormalizePhone(s, "") }, s, got)
		checkIdempotent(t, func(s string) (string, error) { return graph.NormalizePhone(s, region) }, s, got)
	})
}

func FuzzNormalizeIBAN(f *testing.F) {
	for _, s := range []string{"GB82 WEST 1234 5698 7654 32", "de89-3704-0044-0532-0130-00", "GB82 WEST 1234 5698 7654 33", "XK05 1212 0123 4567 8906", "DE01", "HMAC:4916600E428BB9D42515F8A6E6B7E1CA3BD611AC8C4BA9347029F09B44F336F5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := graph.NormalizeIBAN(s)
		checkErr(t, err)
		if err != nil {
			return
		}
		if _, keyed := graph.KeyedValue(got); !keyed && (len(got) < 15 || len(got) > 34) {
			t.Fatalf("NormalizeIBAN(%q) = %q: %d characters is no IBAN", s, got, len(got))
		}
		checkIdempotent(t, graph.NormalizeIBAN, s, got)
	})
}

func FuzzNormalizeIP(f *testing.F) {
	for _, s := range []string{"192.0.2.1", "2001:DB8:0:0:0:0:0:1", "::ffff:1.2.3.4", "fe80::1%eth0", "1.2.3.4:80", "10.0.0.0/8", "[::1]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := graph.NormalizeIP(s)
		checkErr(t, err)
		if err != nil {
			return
		}
		checkIdempotent(t, graph.NormalizeIP, s, got)
	})
}

func FuzzNormalizeCountry(f *testing.F) {
	for _, s := range []string{"ph", "PHL", "UK", "EU", "XKX", "ZR", "419"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := graph.NormalizeCountry(s)
		checkErr(t, err)
		if err != nil {
			return
		}
		if len(got) != 2 {
			t.Fatalf("NormalizeCountry(%q) = %q, want two letters", s, got)
		}
		checkIdempotent(t, graph.NormalizeCountry, s, got)
	})
}

func FuzzNormalizeCurrency(f *testing.F) {
	for _, s := range []string{"eur", " JPY ", "XXX", "VES", "EURO"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := graph.NormalizeCurrency(s)
		checkErr(t, err)
		if err != nil {
			if graph.CurrencyScale(s) != -1 {
				t.Fatalf("CurrencyScale(%q) = %d for a rejected code, want -1", s, graph.CurrencyScale(s))
			}
			return
		}
		if sc := graph.CurrencyScale(got); sc < 0 || sc > 4 {
			t.Fatalf("CurrencyScale(%q) = %d", got, sc)
		}
		checkIdempotent(t, graph.NormalizeCurrency, s, got)
	})
}

func FuzzParseAmount(f *testing.F) {
	for _, c := range [][2]string{
		{"12.34", "EUR"}, {"0.10", "EUR"}, {"12,34", "EUR"}, {"1e3", "EUR"}, {"-5", "EUR"},
		{"12.340", "EUR"}, {"12.345", "EUR"}, {"100", "JPY"}, {"1.234", "KWD"}, {"100000000000.00", "EUR"},
	} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, s, currency string) {
		got, err := graph.ParseAmount(s, currency)
		checkErr(t, err)
		if err != nil {
			return
		}
		if got < 0 || got > graph.MaxAmountMinor {
			t.Fatalf("ParseAmount(%q, %q) = %d, out of range", s, currency, got)
		}
		text := graph.FormatAmount(got, currency)
		again, err := graph.ParseAmount(text, currency)
		if err != nil || again != got {
			t.Fatalf("ParseAmount(%q, %q) = %d, formatted %q, parsed again %d, %v", s, currency, got, text, again, err)
		}
	})
}

func FuzzFormatAmount(f *testing.F) {
	f.Add(int64(1234), "EUR")
	f.Add(int64(5), "KWD")
	f.Add(int64(0), "JPY")
	f.Add(int64(-7), "EUR")
	f.Add(graph.MaxAmountMinor, "CLF")
	f.Fuzz(func(t *testing.T, minor int64, currency string) {
		text := graph.FormatAmount(minor, currency)
		if minor < 0 || minor > graph.MaxAmountMinor || graph.CurrencyScale(currency) < 0 {
			return
		}
		got, err := graph.ParseAmount(text, currency)
		if err != nil || got != minor {
			t.Fatalf("FormatAmount(%d, %q) = %q, parsed back as %d, %v", minor, currency, text, got, err)
		}
	})
}

func FuzzNormalizeHandle(f *testing.F) {
	for _, s := range []string{"@Bob_99", "ＢＯＢ", "ΣΟΦΙΑ", "नमस्ते", "@@bob", "bob smith", "İstanbul", "ǅ", "HMAC:4916600E428BB9D42515F8A6E6B7E1CA3BD611AC8C4BA9347029F09B44F336F5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := graph.NormalizeHandle(s)
		checkErr(t, err)
		if err != nil {
			return
		}
		if !utf8.ValidString(got) || got == "" {
			t.Fatalf("NormalizeHandle(%q) = %q", s, got)
		}
		checkIdempotent(t, graph.NormalizeHandle, s, got)
	})
}

func FuzzNormalizeHash(f *testing.F) {
	f.Add("md5", "D41D8CD98F00B204E9800998ECF8427E")
	f.Add("", "da39a3ee5e6b4b0d3255bfef95601890afd80709")
	f.Add("SHA-256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
	f.Add("photodna", "AbC+/x==")
	f.Add("other", "ab cd")
	f.Fuzz(func(t *testing.T, algo, value string) {
		gotAlgo, gotVal, err := graph.NormalizeHash(algo, value)
		checkErr(t, err)
		if err != nil {
			return
		}
		a2, v2, err := graph.NormalizeHash(gotAlgo, gotVal)
		if err != nil || a2 != gotAlgo || v2 != gotVal {
			t.Fatalf("not idempotent: (%q, %q) -> (%q, %q) -> (%q, %q), %v", algo, value, gotAlgo, gotVal, a2, v2, err)
		}
	})
}

func FuzzNormalizeTime(f *testing.F) {
	for _, s := range []string{"2024-03-01T10:00:00Z", "2024-03-01T10:00:00.123+08:00", "2024-03-01 10:00:00", "2024-03-01", "1969-12-31T23:59:59Z"} {
		f.Add(s, int32(0))
		f.Add(s, int32(8*3600))
	}
	f.Fuzz(func(t *testing.T, s string, offset int32) {
		loc := time.FixedZone("fuzz", int(offset%(18*3600)))
		got, err := graph.NormalizeTime(s, loc, testNow)
		checkErr(t, err)
		if err != nil {
			return
		}
		if got.Location() != time.UTC || got.Year() < 1970 || got.After(testNow.Add(24*time.Hour)) {
			t.Fatalf("NormalizeTime(%q) = %v", s, got)
		}
		text := got.Format(time.RFC3339Nano)
		again, err := graph.NormalizeTime(text, loc, testNow)
		if err != nil || !again.Equal(got) {
			t.Fatalf("not idempotent: %q -> %q -> %v, %v", s, text, again, err)
		}
	})
}

func FuzzNormalizeDate(f *testing.F) {
	for _, s := range []string{"1990-05-17", "1990-05", "1990", "2000-02-29", "1999-02-29", "2026"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := graph.NormalizeDate(s, testNow)
		checkErr(t, err)
		if err != nil {
			return
		}
		checkIdempotent(t, func(s string) (string, error) { return graph.NormalizeDate(s, testNow) }, s, got)
	})
}

func FuzzNormalizeDevice(f *testing.F) {
	for _, c := range [][2]string{
		{"imei", "49-015420-323751-8"}, {"imei", "4901542032375199"}, {"iccid", "8944 5000 0000 0000 001F"},
		{"idfa", "6D92078A-8246-4BA4-AE5B-76104861E7DC"}, {"aaid", "00000000-0000-0000-0000-000000000000"},
		{"device", "Pixel-7:ab12"}, {"mac", "aa:bb"}, {"imei", "HMAC:4916600E428BB9D42515F8A6E6B7E1CA3BD611AC8C4BA9347029F09B44F336F5"},
	} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, kind, s string) {
		got, err := graph.NormalizeDevice(kind, s)
		checkErr(t, err)
		if err != nil {
			return
		}
		if !graph.ValidDeviceKind(kind) {
			t.Fatalf("NormalizeDevice(%q, %q) accepted an unknown kind", kind, s)
		}
		checkIdempotent(t, func(s string) (string, error) { return graph.NormalizeDevice(kind, s) }, s, got)
	})
}
