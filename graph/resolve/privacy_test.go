package resolve_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/crosslink/crosslink/graph/resolve"
)

// testKey is the key of the test vectors: the bytes 0x00 to 0x1f.
func testKey() []byte {
	k := make([]byte, 32)
	for i := range k {
		k[i] = byte(i)
	}
	return k
}

func TestKeyIdentifierVector(t *testing.T) {
	// Computed outside Go with openssl:
	//   sub=$(printf 'crosslink/v1/id/email' | openssl dgst -sha256 -mac HMAC -macopt hexkey:000102…1f)
	//   printf 'bob@example.org' | openssl dgst -sha256 -mac HMAC -macopt hexkey:$sub
	const want = "hmac:4916600e428bb9d42515f8a6e6b7e1ca3bd611ac8c4ba9347029f09b44f336f5"
	if got := resolve.KeyIdentifier(testKey(), resolve.IDEmail, "bob@example.org"); got != want {
		t.Errorf("KeyIdentifier = %s, want %s", got, want)
	}
	if got := resolve.NewKeyer(testKey()).Identifier(resolve.IDEmail, "bob@example.org"); got != want {
		t.Errorf("Keyer.Identifier = %s, want %s", got, want)
	}
}

func TestKeyIdentifier(t *testing.T) {
	key, other := testKey(), bytes.Repeat([]byte{7}, 32)
	v := "+639171234567"
	a := resolve.KeyIdentifier(key, resolve.IDPhone, v)
	switch {
	case !resolve.IsKeyed(a):
		t.Errorf("%s is not keyed", a)
	case resolve.KeyIdentifier(key, resolve.IDPhone, v) != a:
		t.Error("not deterministic")
	case resolve.KeyIdentifier(other, resolve.IDPhone, v) == a:
		t.Error("two keys give one hash")
	case resolve.KeyIdentifier(key, resolve.IDHandle, v) == a:
		t.Error("one value of two kinds gives one hash: the subkeys are not per kind")
	case resolve.KeyIdentifier(key, resolve.IDPhone, "+639171234568") == a:
		t.Error("two values give one hash")
	}
	// The consortium key is never used directly: the plain HMAC under it is not the result.
	direct := resolve.KeyedPrefix + hex.EncodeToString(hmacSHA256(key, v))
	if a == direct {
		t.Error("the value is hashed under the consortium key itself")
	}
	// A Keyer gives the same for every kind, known or not.
	k := resolve.NewKeyer(key)
	for _, kind := range []string{resolve.IDEmail, resolve.IDPhone, resolve.IDAccount, resolve.IDDevice, resolve.IDHandle, resolve.IDWallet, "custom"} {
		if got, want := k.Identifier(kind, v), resolve.KeyIdentifier(key, kind, v); got != want {
			t.Errorf("%s: Keyer %s, KeyIdentifier %s", kind, got, want)
		}
	}
}

func TestIsKeyed(t *testing.T) {
	hex64 := strings.Repeat("0123456789abcdef", 4)
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"hmac:" + hex64, true},
		{"hmac:" + strings.ToUpper(hex64), false},
		{"HMAC:" + hex64, false},
		{" hmac:" + hex64, false},
		{"hmac:" + hex64[:63], false},
		{"hmac:" + hex64 + "0", false},
		{"hmac:" + hex64[:63] + "g", false},
		{"sha:" + hex64, false},
		{"", false},
	} {
		if got := resolve.IsKeyed(tt.in); got != tt.want {
			t.Errorf("IsKeyed(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestEncodeCLKVector(t *testing.T) {
	// Computed outside Go (Python's hmac and hashlib) from the algorithm EncodeCLK documents:
	// bigrams of " jon " and " smith " as "n:"+bigram, then y:1971, m:03, d:02,
	// ymd:1971-03-02, 20 bits each by double hashing. A change here breaks every partner's
	// encoded files: make it a new version of the derivation labels instead.
	const want = "clk:wIVGoiiAFBAUCIWIII6IgEBAAIWUETEEKMggghQACXBAIgAIAwDaiCFEMFAFCVEKDCQACwAACRRA5CBAgAwQDBKDMiKiEBhAAzAIIJ5IIAoC40ANTWREk3InBAIgEMQBhRigEDIBCEAGIAQZQSqCRAAIAEsYwPMAiBgiCEFAqpU="
	if got := resolve.EncodeCLKString(resolve.EncodeCLK(testKey(), "Jon Smith", "1971-03-02")); got != want {
		t.Errorf("EncodeCLK =\n%s\nwant\n%s", got, want)
	}
}

func TestEncodeCLK(t *testing.T) {
	key := testKey()
	enc := func(name, date string) []byte { return resolve.EncodeCLK(key, name, date) }
	base := enc("Jon Smith", "1971-03-02")
	if len(base) != resolve.CLKBytes {
		t.Fatalf("CLK has %d bytes, want %d", len(base), resolve.CLKBytes)
	}
	for _, tt := range []struct {
		name, date string
	}{
		{"Jon Smith", "19710302"},       // the compact date form
		{"  SMITH, Jon ", "1971-03-02"}, // word order, case, punctuation
		{"Jon Smith", " 1971-03-02 "},
	} {
		if !bytes.Equal(enc(tt.name, tt.date), base) {
			t.Errorf("%q %q encodes unlike Jon Smith 1971-03-02", tt.name, tt.date)
		}
	}
	if !bytes.Equal(enc("Müller", ""), enc("muller", "")) {
		t.Error("accents are not folded (FoldName)")
	}
	if !bytes.Equal(resolve.NewKeyer(key).CLK("Jon Smith", "1971-03-02"), base) {
		t.Error("Keyer.CLK differs from EncodeCLK")
	}
	for _, tt := range [][2]string{{"", ""}, {" - ", ""}, {"", "03/02/1971"}, {"", "1971-3-2"}} {
		if got := enc(tt[0], tt[1]); got != nil {
			t.Errorf("EncodeCLK(%q, %q) = %d bytes, want nil", tt[0], tt[1], len(got))
		}
	}
	// Partial dates encode what they know: the year alone shares the year's bits.
	if d := resolve.Dice(enc("", "1971"), enc("", "1971-03-02")); d <= 0.3 || d >= 1 {
		t.Errorf("Dice(1971, 1971-03-02) = %.3f, want partial agreement", d)
	}
	if !bytes.Equal(enc("", "1971-03"), enc("", "1971-03")) || bytes.Equal(enc("", "1971-03"), enc("", "1971")) {
		t.Error("YYYY-MM is not encoded with its month")
	}
	// A date in no accepted form adds nothing.
	if !bytes.Equal(enc("Jon Smith", "03/02/1971"), enc("Jon Smith", "")) {
		t.Error("an unreadable date changed the CLK")
	}
}

// TestCLKDice checks the similarity the CLK parameters give, over 1000 keys so that the margins
// hold whatever the consortium's key: a one-letter typo stays at or above 0.85, a stranger at or
// under 0.4.
func TestCLKDice(t *testing.T) {
	for _, tt := range []struct {
		a, aDate, b, bDate string
		min, max           float64
	}{
		{"Jon Smith", "1971-03-02", "John Smith", "1971-03-02", 0.85, 1},
		{"Jon Smith", "1971-03-02", "Jon Smyth", "1971-03-02", 0.8, 1},
		{"Jon Smith", "1971-03-02", "Maria Garcia", "1985-07-11", 0, 0.4},
		{"Maria Garcia", "1985-07-11", "María García", "1985-07-11", 1, 1},
	} {
		lo, hi, sum := 1.0, 0.0, 0.0
		const keys = 1000
		for i := range keys {
			key := sha256.Sum256(fmt.Appendf(nil, "key %d", i))
			d := resolve.Dice(resolve.EncodeCLK(key[:], tt.a, tt.aDate), resolve.EncodeCLK(key[:], tt.b, tt.bDate))
			lo, hi, sum = min(lo, d), max(hi, d), sum+d
		}
		t.Logf("%s %s / %s %s: Dice mean %.3f, min %.3f, max %.3f over %d keys", tt.a, tt.aDate, tt.b, tt.bDate, sum/keys, lo, hi, keys)
		if lo < tt.min || hi > tt.max {
			t.Errorf("%s %s / %s %s: Dice in [%.3f, %.3f], want within [%.2f, %.2f]", tt.a, tt.aDate, tt.b, tt.bDate, lo, hi, tt.min, tt.max)
		}
	}
	// Under another key the same person is a stranger: CLKs only compare under one key.
	a := resolve.EncodeCLK(testKey(), "Jon Smith", "1971-03-02")
	b := resolve.EncodeCLK(bytes.Repeat([]byte{7}, 32), "Jon Smith", "1971-03-02")
	if d := resolve.Dice(a, b); d > 0.4 {
		t.Errorf("Dice across two keys = %.3f, want at most 0.4", d)
	}
}

func TestDice(t *testing.T) {
	for _, tt := range []struct {
		a, b []byte
		want float64
	}{
		{nil, nil, 0},
		{[]byte{0, 0}, []byte{0xff, 0xff}, 0},
		{[]byte{0xff}, []byte{0xff}, 1},
		{[]byte{0x0f}, []byte{0xff}, 2.0 * 4 / 12},
		{[]byte{0x01}, []byte{0x01, 0x01}, 2.0 * 1 / 3}, // unequal lengths: the missing bytes are zero
	} {
		if got := resolve.Dice(tt.a, tt.b); got != tt.want {
			t.Errorf("Dice(%x, %x) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestCLKString(t *testing.T) {
	clk := resolve.EncodeCLK(testKey(), "Jon Smith", "1971-03-02")
	s := resolve.EncodeCLKString(clk)
	if !strings.HasPrefix(s, resolve.CLKPrefix) || len(s) != len(resolve.CLKPrefix)+172 {
		t.Fatalf("EncodeCLKString = %q", s)
	}
	back, err := resolve.DecodeCLK(s)
	if err != nil || !bytes.Equal(back, clk) {
		t.Fatalf("DecodeCLK(EncodeCLKString(clk)) = %x, %v", back, err)
	}
	if resolve.EncodeCLKString(nil) != "" {
		t.Error("EncodeCLKString(nil) is not empty")
	}
	b64 := s[len(resolve.CLKPrefix):]
	for _, tt := range []struct{ in, want string }{
		{b64, `want "clk:"`},
		{"CLK:" + b64, `want "clk:"`},
		{"clk:" + b64[:100] + "!" + b64[101:], "not standard base64"},
		{"clk:" + strings.TrimRight(b64, "="), "not standard base64"},
		{"clk:" + base64.StdEncoding.EncodeToString(clk[:64]), "64 bytes; a CLK has 128"},
		{"clk:" + base64.StdEncoding.EncodeToString(append(clk, 0)), "129 bytes"},
		{"clk:" + b64[:76] + "\n" + b64[76:], "line breaks"},
		{"clk:", "0 bytes"},
	} {
		_, err := resolve.DecodeCLK(tt.in)
		if err == nil || !errors.Is(err, resolve.ErrCLK) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("DecodeCLK(%.20q...) error = %v, want ErrCLK with %q", tt.in, err, tt.want)
			continue
		}
		if len(b64) > 0 && strings.Contains(err.Error(), b64[:16]) {
			t.Errorf("error %q repeats the value", err)
		}
	}
}

// TestKeyNotInOutput checks that no output carries the key, in any of its usual encodings.
func TestKeyNotInOutput(t *testing.T) {
	key := []byte("consortium-secret-key-0123456789")
	outs := []string{
		resolve.KeyIdentifier(key, resolve.IDEmail, "bob@example.org"),
		resolve.EncodeCLKString(resolve.EncodeCLK(key, "Jon Smith", "1971-03-02")),
	}
	clk := resolve.EncodeCLK(key, "Jon Smith", "1971-03-02")
	for _, enc := range []string{string(key), hex.EncodeToString(key), base64.StdEncoding.EncodeToString(key)} {
		for _, out := range outs {
			if strings.Contains(out, enc[:16]) {
				t.Errorf("output %q contains the key", out)
			}
		}
	}
	if bytes.Contains(clk, key[:8]) {
		t.Error("the CLK contains the key's bytes")
	}
}

func hmacSHA256(key []byte, msg string) []byte {
	// Independent of the package: HMAC by its definition (RFC 2104), SHA-256's block is 64 bytes.
	k := key
	if len(k) > 64 {
		s := sha256.Sum256(k)
		k = s[:]
	}
	ipad, opad := make([]byte, 64), make([]byte, 64)
	copy(ipad, k)
	copy(opad, k)
	for i := range 64 {
		ipad[i] ^= 0x36
		opad[i] ^= 0x5c
	}
	inner := sha256.Sum256(append(ipad, msg...))
	outer := sha256.Sum256(append(opad, inner[:]...))
	return outer[:]
}
