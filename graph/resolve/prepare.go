package resolve

import (
	"slices"
	"strings"

	"github.com/antzucaro/matchr"
)

// prepared is a record in the form comparisons and blocking read: folded names, split birth
// date, identifiers by kind (keyed under Config.Key when the key is set), the Bloom filter.
type prepared struct {
	rec     *Record
	kind    Kind
	given   string // first given name, folded
	surname string // folded
	gPhon   string // double-metaphone primary codes
	sPhon   string
	org     string   // organisation name fingerprint: folded, legal forms removed, tokens sorted
	orgToks []string // its tokens
	names   []string // every folded full name (name and aliases)
	dob     string   // YYYYMMDD, YYYYMM or YYYY
	year    string
	gender  byte // 'm', 'f', 'o' or 0
	country string
	street  string
	city    string
	post    string
	ids     map[string][]string // kind -> values, sorted, deduplicated
	clk     []byte
	clear   bool // has a clear name
	alias   bool // its names are only aliases (a display name): they never contradict
}

// titles are words before or after a person's name that say nothing about who it is.
var titles = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "miss": true, "mx": true, "dr": true, "prof": true,
	"sir": true, "dame": true, "herr": true, "frau": true, "fr": true, "hr": true, "mme": true,
	"mlle": true, "m": false, "sr": true, "sra": true, "srta": true, "don": true, "dona": true,
	"jr": true, "snr": true, "jnr": true, "ii": true, "iii": true, "phd": true, "md": true,
	"dipl": true, "ing": true, "mag": true, "rev": true,
}

// legalForms are the words of organisation names that only say what legal form it has.
var legalForms = map[string]bool{
	"ag": true, "gmbh": true, "mbh": true, "kg": true, "ohg": true, "ev": true, "e": true, "v": true,
	"co": true, "kgaa": true, "se": true, "sa": true, "sas": true, "sarl": true, "srl": true,
	"spa": true, "bv": true, "nv": true, "ltd": true, "limited": true, "llc": true, "llp": true,
	"lp": true, "inc": true, "incorporated": true, "corp": true, "corporation": true, "plc": true,
	"pty": true, "pte": true, "company": true, "und": true, "and": true, "the": true, "der": true,
	"die": true, "das": true, "of": true, "oy": true, "ab": true, "as": true, "aps": true,
	"kft": true, "zrt": true, "sp": true, "zoo": true, "oao": true, "ooo": true, "zao": true, "pjsc": true,
	"aktiengesellschaft": true, "gesellschaft": true, "haftung": true, "beschrankter": true, "mit": true,
	"open": true, "joint": true, "stock": true, "closed": true, "public": true, "private": true,
	"jsc": true, "ojsc": true, "cjsc": true, "pao": true, "sarl.": true, "societe": true, "anonyme": true,
	"sociedad": true, "anonima": true, "bvba": true, "vzw": true, "holding": false, "ug": true,
}

// keyable identifier kinds: the ones partners send keyed; the others stay clear.
var keyable = map[string]bool{
	IDEmail: true, IDPhone: true, IDAccount: true, IDWallet: true, IDDevice: true,
	IDPlatform: true, IDHandle: true, IDNationalID: true, IDRegistry: true,
}

func prepare(r *Record, key []byte) *prepared {
	p := &prepared{rec: r, kind: r.Kind}
	if p.kind == "" {
		p.kind = KindPerson
	}
	for _, n := range append([]string{r.Name}, r.Aliases...) {
		if f := FoldName(n); f != "" && !slices.Contains(p.names, f) {
			p.names = append(p.names, f)
		}
	}
	if r.GivenName != "" || r.Surname != "" {
		p.given, p.surname = firstToken(FoldName(r.GivenName)), FoldName(r.Surname)
		// a source that names only one half in its own field may have the other in the full name
		if g, sn := splitName(FoldName(r.Name)); p.given == "" && g != "" && sn == p.surname {
			p.given = g
		} else if p.surname == "" && sn != "" && g == p.given {
			p.surname = sn
		}
		if full := strings.TrimSpace(FoldName(r.GivenName + " " + r.Surname)); full != "" && !slices.Contains(p.names, full) {
			p.names = append(p.names, full)
		}
	}
	if p.kind == KindPerson {
		if p.given == "" && p.surname == "" && len(p.names) > 0 {
			p.given, p.surname = splitName(p.names[0])
			p.alias = FoldName(r.Name) == ""
		}
		p.gPhon, p.sPhon = phonetic(p.given), phonetic(strings.ReplaceAll(p.surname, " ", ""))
	} else if len(p.names) > 0 {
		p.org, p.orgToks = orgFingerprint(p.names[0])
		p.alias = FoldName(r.Name) == ""
	}
	p.clear = len(p.names) > 0
	p.dob = digitsDate(r.BirthDate)
	if len(p.dob) >= 4 {
		p.year = p.dob[:4]
	}
	switch g := strings.ToLower(strings.TrimSpace(r.Gender)); {
	case g == "":
	case g[0] == 'm':
		p.gender = 'm'
	case g[0] == 'f' || g[0] == 'w':
		p.gender = 'f'
	default:
		p.gender = 'o'
	}
	p.country = strings.ToUpper(strings.TrimSpace(r.Country))
	p.street = FoldName(r.Street)
	p.city = FoldName(r.City)
	p.post = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(r.Postcode), " ", ""))
	if len(r.Identifiers) > 0 {
		p.ids = make(map[string][]string, len(r.Identifiers))
		for _, id := range r.Identifiers {
			v := strings.TrimSpace(id.Value)
			if v == "" {
				continue
			}
			if len(key) > 0 && keyable[id.Kind] {
				v = keyValue(key, id.Kind, v)
			}
			if !slices.Contains(p.ids[id.Kind], v) {
				p.ids[id.Kind] = append(p.ids[id.Kind], v)
			}
		}
		for _, vs := range p.ids {
			slices.Sort(vs)
		}
	}
	p.clk = r.CLK
	if len(p.clk) == 0 && len(key) > 0 && p.kind == KindPerson && p.clear {
		// the whole name, as partners encode it (every word, middle names too)
		full := r.Name
		if full == "" {
			full = strings.TrimSpace(r.GivenName + " " + r.Surname)
		}
		p.clk = EncodeCLK(key, full, r.BirthDate)
	}
	return p
}

// scopedKinds are identifiers whose values keep a clear scope before the number: "iban:DE89...",
// "acct:bank-a:123", "imei:3567...", "ua:chat:991", "wallet:btc:1A1z...". Partners key only the
// number, so only the number is keyed here.
var scopedKinds = map[string]bool{IDAccount: true, IDDevice: true, IDPlatform: true, IDWallet: true}

// keyValue is the keyed form of a clear identifier value (a keyed one is returned as it is).
func keyValue(key []byte, kind, v string) string {
	if i := strings.LastIndex(v, KeyedPrefix); i >= 0 && IsKeyed(v[i:]) {
		return v
	}
	if scopedKinds[kind] {
		if i := strings.LastIndexByte(v, ':'); i >= 0 {
			return v[:i+1] + KeyIdentifier(key, kind, v[i+1:])
		}
	}
	return KeyIdentifier(key, kind, v)
}

func firstToken(s string) string {
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[:i]
	}
	return s
}

// splitName takes a folded full name apart: titles dropped, the first token the given name, the
// last the surname ("Frau Johanna Quandt" -> johanna, quandt). A single token is a surname.
func splitName(full string) (given, surname string) {
	toks := strings.Fields(full)
	toks = slices.DeleteFunc(toks, func(t string) bool { return titles[t] })
	switch len(toks) {
	case 0:
		return "", ""
	case 1:
		return "", toks[0]
	}
	return toks[0], toks[len(toks)-1]
}

func phonetic(s string) string {
	if s == "" {
		return ""
	}
	p, _ := matchr.DoubleMetaphone(s)
	if p == "" {
		return s
	}
	return p
}

// orgFingerprint is an organisation name with legal-form words and punctuation removed and the
// tokens sorted: "Bayerische Motorenwerke (BMW) AG" -> "bayerische bmw motorenwerke".
func orgFingerprint(folded string) (string, []string) {
	toks := strings.Fields(folded)
	toks = slices.DeleteFunc(toks, func(t string) bool { return legalForms[t] })
	if len(toks) == 0 {
		toks = strings.Fields(folded)
	}
	slices.Sort(toks)
	toks = slices.Compact(toks)
	return strings.Join(toks, " "), toks
}

// digitsDate reads YYYY-MM-DD, YYYYMMDD, YYYY-MM, YYYY (and ISO date-times) into their digits:
// YYYYMMDD, YYYYMM or YYYY. Anything else is unknown.
func digitsDate(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 10 && s[10] == 'T' {
		s = s[:10]
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			b.WriteByte(c)
		case c == '-' || c == '/' || c == '.':
		default:
			return ""
		}
	}
	d := b.String()
	switch len(d) {
	case 4, 6, 8:
		if d == "00000000" || strings.HasPrefix(d, "0000") {
			return ""
		}
		return d
	}
	return ""
}
