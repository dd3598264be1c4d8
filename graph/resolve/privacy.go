package resolve

// The privacy-preserving mode: partners of a sharing consortium send keyed hashes of their
// identifiers and Bloom-filter encodings of their names and birth dates instead of the clear
// values, under a key the consortium shares and Crosslink never stores. Identifiers then link
// exactly as clear ones do (equal values give equal hashes), and names compare by similarity.
// docs/privacy.md describes the mode for partners.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"math/bits"
	"strings"
)

// KeyedPrefix starts every keyed identifier: "hmac:" and 64 lower-case hex digits.
const KeyedPrefix = "hmac:"

// CLK parameters. They are part of the encoding: two CLKs compare only when they were made with
// the same key and the same parameters, so a change here is a new version of the derivation
// labels ("crosslink/v1/...") too.
const (
	CLKBits   = 1024        // length of a CLK in bits
	CLKBytes  = CLKBits / 8 // 128
	CLKPrefix = "clk:"      // text form: "clk:" + standard base64 (with padding) of the 128 bytes

	clkNameK = 20 // bits set per name bigram
	clkDateK = 20 // bits set per birth-date token
)

// Derivation labels of the subkeys. The consortium key itself is never used to hash a value:
// each use has its own subkey, so that one value hashed as two kinds gives unrelated results
// (clkhash warns against reusing one secret across mappings).
const (
	idLabel   = "crosslink/v1/id/"
	clkLabel1 = "crosslink/v1/clk/1"
	clkLabel2 = "crosslink/v1/clk/2"
)

// idKinds are the identifier kinds whose subkeys a Keyer derives once.
var idKinds = []string{IDEmail, IDPhone, IDAccount, IDWallet, IDDevice, IDPlatform, IDHandle,
	IDNationalID, IDRegistry, IDIP, IDFileHash}

// Keyer keys identifiers and encodes names under one consortium key, with the subkeys derived
// once. It is safe for concurrent use. KeyIdentifier and EncodeCLK are its one-off forms.
type Keyer struct {
	id         map[string][]byte // subkey per identifier kind
	key        []byte            // to derive the subkeys of other kinds
	clk1, clk2 []byte
}

// NewKeyer returns a Keyer for the consortium key. It keeps its own copy of the key.
func NewKeyer(key []byte) *Keyer {
	k := &Keyer{
		id:   make(map[string][]byte, len(idKinds)),
		key:  append([]byte(nil), key...),
		clk1: mac(key, clkLabel1),
		clk2: mac(key, clkLabel2),
	}
	for _, kind := range idKinds {
		k.id[kind] = mac(key, idLabel+kind)
	}
	return k
}

// mac is HMAC-SHA256(key, msg).
func mac(key []byte, msg string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msg))
	return h.Sum(nil)
}

// KeyIdentifier returns the keyed form of an identifier: "hmac:" and the lower-case hex of
// HMAC-SHA256(subkey, normalized), where subkey = HMAC-SHA256(key, "crosslink/v1/id/" + kind).
// kind is one of the ID* constants. The value must be in the normal form below, which is the
// form graph gives it, so that a partner's keyed value equals the keyed form of Crosslink's
// clear one:
//
//   - IDEmail: graph.NormalizeEmail: trimmed, lower-cased, one bare address ("bob@example.org").
//   - IDPhone: graph.NormalizePhone: E.164 ("+639171234567"), the number read in the record's
//     country when written without +country.
//   - IDAccount: an IBAN through graph.NormalizeIBAN, compact and upper-case
//     ("DE89370400440532013000"); any other account number, card token or wallet id as the bank
//     writes it, trimmed (such numbers are scoped by partner and link only within it).
//   - IDDevice: the value of graph.NormalizeDevice(type, id): an IMEI as 15 digits with its
//     check digit, an ICCID without its trailing F, an advertising id as a lower-case UUID, any
//     other id as given. The type (imei, iccid, ...) is not keyed: it stays in the node id.
//   - IDHandle: graph.NormalizeHandle: NFKC, one leading @ dropped, lower-case ("bob_99").
//   - IDWallet: the address trimmed, as written (Crosslink has no wallet normaliser yet).
//   - IDPlatform: the platform's own account id, as given (its service stays clear).
//
// IP addresses and file hashes are not meant to be keyed: an IP is weak evidence shared by
// many, and a file hash must match the hash lists it is checked against. National and registry
// ids have no normaliser yet.
func KeyIdentifier(key []byte, kind, normalized string) string {
	return keyed(mac(key, idLabel+kind), normalized)
}

// Identifier is KeyIdentifier under the Keyer's key.
func (k *Keyer) Identifier(kind, normalized string) string {
	sub, ok := k.id[kind]
	if !ok {
		sub = mac(k.key, idLabel+kind)
	}
	return keyed(sub, normalized)
}

func keyed(subkey []byte, normalized string) string {
	sum := mac(subkey, normalized)
	return KeyedPrefix + hex.EncodeToString(sum)
}

// IsKeyed reports whether v is a keyed identifier: exactly "hmac:" and 64 lower-case hex digits.
func IsKeyed(v string) bool {
	if len(v) != len(KeyedPrefix)+2*sha256.Size || !strings.HasPrefix(v, KeyedPrefix) {
		return false
	}
	for i := len(KeyedPrefix); i < len(v); i++ {
		if c := v[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// EncodeCLK returns the cryptographic long-term key (CLK; Schnell, Bachteler and Reiher 2011,
// as clkhash builds it) of a name and birth date: a 1024-bit Bloom filter (128 bytes, bit i is
// bit i%8 of byte i/8) into which each token below is hashed k times. It returns nil when the
// name folds to nothing and the birth date has no token.
//
// Tokens:
//   - the name is folded with FoldName and split into words; each word, padded with one space
//     at both ends, gives its character bigrams (" jon " gives " j", "jo", "on", "n "), each
//     as the token "n:" + bigram, k = 20. Per word, so that word order does not matter (Smith
//     John is John Smith) and a typo touches the bigrams of one word only.
//   - the birth date, in YYYY-MM-DD, YYYYMMDD, YYYY-MM or YYYY, gives "y:1971", and with the
//     month "m:03", and with the day "d:02" and "ymd:1971-03-02", k = 20 each: a date with one
//     part mistyped still shares the others. A birth date in none of these forms gives no
//     token; callers check dates first (graph.NormalizeDate).
//
// Positions come from double hashing: h1 and h2 are the first 8 bytes (big-endian) of
// HMAC-SHA256(s1, token) and HMAC-SHA256(s2, token), with s1 = HMAC-SHA256(key,
// "crosslink/v1/clk/1") and s2 = HMAC-SHA256(key, "crosslink/v1/clk/2"); h2 is made odd, and
// the token sets bits (h1 + i*h2) mod 1024 for i = 0..k-1 (an odd step never revisits a bit
// within 1024 steps). Without the key, bigram frequencies cannot be looked up in the filter;
// with few features a CLK is still open to frequency attacks (see docs/privacy.md).
func EncodeCLK(key []byte, name, birthDate string) []byte {
	return (&Keyer{clk1: mac(key, clkLabel1), clk2: mac(key, clkLabel2)}).CLK(name, birthDate)
}

// CLK is EncodeCLK under the Keyer's key.
func (k *Keyer) CLK(name, birthDate string) []byte {
	words := strings.Fields(FoldName(name))
	dates := clkDateTokens(birthDate)
	if len(words) == 0 && len(dates) == 0 {
		return nil
	}
	e := clkEncoder{h1: hmac.New(sha256.New, k.clk1), h2: hmac.New(sha256.New, k.clk2), f: make([]byte, CLKBytes)}
	for _, w := range words {
		r := []rune(" " + w + " ")
		for i := 0; i+1 < len(r); i++ {
			e.add("n:"+string(r[i:i+2]), clkNameK)
		}
	}
	for _, t := range dates {
		e.add(t, clkDateK)
	}
	return e.f
}

// clkEncoder sets a token's bits in a filter.
type clkEncoder struct {
	h1, h2 hash.Hash
	f      []byte
	sum    [sha256.Size]byte
}

func (e *clkEncoder) add(token string, k int) {
	e.h1.Reset()
	e.h1.Write([]byte(token))
	a := binary.BigEndian.Uint64(e.h1.Sum(e.sum[:0]))
	e.h2.Reset()
	e.h2.Write([]byte(token))
	b := binary.BigEndian.Uint64(e.h2.Sum(e.sum[:0])) | 1
	for i := range uint64(k) {
		p := (a + i*b) % CLKBits
		e.f[p/8] |= 1 << (p % 8)
	}
}

// clkDateTokens returns the tokens of a birth date in YYYY-MM-DD, YYYYMMDD, YYYY-MM or YYYY,
// and none for anything else.
func clkDateTokens(s string) []string {
	s = strings.TrimSpace(s)
	var y, m, d string
	switch {
	case shaped(s, "dddd-dd-dd"):
		y, m, d = s[:4], s[5:7], s[8:]
	case shaped(s, "dddddddd"):
		y, m, d = s[:4], s[4:6], s[6:]
	case shaped(s, "dddd-dd"):
		y, m = s[:4], s[5:]
	case shaped(s, "dddd"):
		y = s
	default:
		return nil
	}
	t := []string{"y:" + y}
	if m != "" {
		t = append(t, "m:"+m)
	}
	if d != "" {
		t = append(t, "d:"+d, "ymd:"+y+"-"+m+"-"+d)
	}
	return t
}

// shaped reports whether s matches shape, 'd' standing for an ASCII digit.
func shaped(s, shape string) bool {
	if len(s) != len(shape) {
		return false
	}
	for i := range len(s) {
		if shape[i] == 'd' && (s[i] < '0' || s[i] > '9') || shape[i] != 'd' && s[i] != shape[i] {
			return false
		}
	}
	return true
}

// Dice is the Dice coefficient of two bit sets, 2|a∧b| / (|a|+|b|), in [0, 1]; 0 when either
// has no bit set. CLKs of the same person under the same key score high (a typo in a name
// costs a few bigrams), CLKs under different keys or parameters score as strangers do.
func Dice(a, b []byte) float64 {
	var na, nb, both int
	for i := range max(len(a), len(b)) {
		var x, y byte
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		na += bits.OnesCount8(x)
		nb += bits.OnesCount8(y)
		both += bits.OnesCount8(x & y)
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return 2 * float64(both) / float64(na+nb)
}

// EncodeCLKString returns the text form of a CLK, "clk:" and its standard base64 with padding,
// as files carry it and graph stores it (node property clk); "" for nil.
func EncodeCLKString(clk []byte) string {
	if len(clk) == 0 {
		return ""
	}
	return CLKPrefix + base64.StdEncoding.EncodeToString(clk)
}

// ErrCLK is the class of DecodeCLK's errors: the text is not a CLK.
var ErrCLK = errors.New("not a CLK")

// DecodeCLK reads the text form of a CLK: "clk:" and the standard base64 (with padding) of
// exactly 128 bytes. Its errors wrap ErrCLK and never repeat the value.
func DecodeCLK(s string) ([]byte, error) {
	rest, ok := strings.CutPrefix(s, CLKPrefix)
	if !ok {
		return nil, fmt.Errorf("%w: want %q and base64", ErrCLK, CLKPrefix)
	}
	b, err := base64.StdEncoding.Strict().DecodeString(rest)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: the text after %q is not standard base64", ErrCLK, CLKPrefix)
	case len(b) != CLKBytes:
		return nil, fmt.Errorf("%w: it has %d bytes; a CLK has %d", ErrCLK, len(b), CLKBytes)
	case base64.StdEncoding.EncodeToString(b) != rest:
		// The decoder skips line breaks; one CLK must have one text, as it is stored as given.
		return nil, fmt.Errorf("%w: the base64 has line breaks", ErrCLK)
	}
	return b, nil
}
