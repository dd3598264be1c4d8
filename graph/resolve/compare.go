package resolve

import (
	"fmt"
	"slices"
	"strings"

	"github.com/antzucaro/matchr"
)

// The comparisons, in model order. Each has levels from the strongest agreement to "disagree";
// a field unknown on either side has no level (-1) and carries no weight.
const (
	cGiven = iota
	cSurname
	cOrgName
	cBirthDate
	cStreet
	cCity
	cPostcode
	cGender
	cCountry
	cCLK
	cEmail
	cPhone
	cAccount
	cWallet
	cDevice
	cPlatform
	cHandle
	cNationalID
	cRegistry
	cIP
	nComp
)

// comparison describes one field comparison: its name, levels and default parameters (used
// before or instead of estimation; the u of identifier agreement is tiny by nature).
type comparison struct {
	name   string
	idKind string // identifier kind, for identifier comparisons
	levels []string
	m, u   []float64
}

var comparisons = [nComp]comparison{
	cGiven:      {name: "given_name", levels: []string{"exact", "jaro-winkler >= 0.92", "jaro-winkler >= 0.80", "initial", "disagree"}, m: []float64{0.78, 0.1, 0.05, 0.03, 0.04}, u: []float64{0.01, 0.01, 0.04, 0.04, 0.9}},
	cSurname:    {name: "surname", levels: []string{"exact", "jaro-winkler >= 0.92", "jaro-winkler >= 0.80", "disagree"}, m: []float64{0.8, 0.1, 0.05, 0.05}, u: []float64{0.005, 0.005, 0.03, 0.96}},
	cOrgName:    {name: "organisation_name", levels: []string{"exact", "jaro-winkler >= 0.92", "most tokens shared", "disagree"}, m: []float64{0.7, 0.15, 0.1, 0.05}, u: []float64{0.001, 0.004, 0.01, 0.985}},
	cBirthDate:  {name: "birth_date", levels: []string{"exact", "one typo", "same year", "disagree"}, m: []float64{0.85, 0.08, 0.03, 0.04}, u: []float64{0.0001, 0.001, 0.02, 0.9789}},
	cStreet:     {name: "street", levels: []string{"exact", "jaro-winkler >= 0.88", "disagree"}, m: []float64{0.75, 0.15, 0.1}, u: []float64{0.0005, 0.01, 0.9895}},
	cCity:       {name: "city", levels: []string{"exact", "jaro-winkler >= 0.88", "disagree"}, m: []float64{0.8, 0.1, 0.1}, u: []float64{0.01, 0.02, 0.97}},
	cPostcode:   {name: "postcode", levels: []string{"exact", "one typo", "disagree"}, m: []float64{0.85, 0.08, 0.07}, u: []float64{0.005, 0.03, 0.965}},
	cGender:     {name: "gender", levels: []string{"exact", "disagree"}, m: []float64{0.97, 0.03}, u: []float64{0.5, 0.5}},
	cCountry:    {name: "country", levels: []string{"exact", "disagree"}, m: []float64{0.95, 0.05}, u: []float64{0.3, 0.7}},
	cCLK:        {name: "name_and_birth_date_clk", levels: []string{"dice >= 0.90", "dice >= 0.80", "dice >= 0.70", "disagree"}, m: []float64{0.8, 0.12, 0.05, 0.03}, u: []float64{0.0005, 0.002, 0.01, 0.9875}},
	cEmail:      {name: "email", idKind: IDEmail, levels: []string{"exact", "one typo", "disagree"}, m: []float64{0.8, 0.05, 0.15}, u: []float64{0.00001, 0.0001, 0.99989}},
	cPhone:      {name: "phone", idKind: IDPhone, levels: []string{"exact", "one typo", "disagree"}, m: []float64{0.8, 0.05, 0.15}, u: []float64{0.00001, 0.0001, 0.99989}},
	cAccount:    {name: "account", idKind: IDAccount, levels: []string{"exact", "disagree"}, m: []float64{0.5, 0.5}, u: []float64{0.00001, 0.99999}},
	cWallet:     {name: "crypto_wallet", idKind: IDWallet, levels: []string{"exact", "disagree"}, m: []float64{0.5, 0.5}, u: []float64{0.00001, 0.99999}},
	cDevice:     {name: "device", idKind: IDDevice, levels: []string{"exact", "disagree"}, m: []float64{0.5, 0.5}, u: []float64{0.0001, 0.9999}},
	cPlatform:   {name: "platform_account", idKind: IDPlatform, levels: []string{"exact", "disagree"}, m: []float64{0.6, 0.4}, u: []float64{0.00001, 0.99999}},
	cHandle:     {name: "username", idKind: IDHandle, levels: []string{"exact", "disagree"}, m: []float64{0.5, 0.5}, u: []float64{0.0001, 0.9999}},
	cNationalID: {name: "national_id", idKind: IDNationalID, levels: []string{"exact", "one typo", "disagree"}, m: []float64{0.8, 0.08, 0.12}, u: []float64{0.00001, 0.0005, 0.99949}},
	cRegistry:   {name: "registration_number", idKind: IDRegistry, levels: []string{"exact", "disagree"}, m: []float64{0.8, 0.2}, u: []float64{0.00001, 0.99999}},
	cIP:         {name: "login_ip", idKind: IDIP, levels: []string{"exact", "disagree"}, m: []float64{0.3, 0.7}, u: []float64{0.001, 0.999}},
}

// idComparison maps identifier kinds to their comparison.
var idComparison = func() map[string]int {
	m := map[string]int{}
	for i, c := range comparisons {
		if c.idKind != "" {
			m[c.idKind] = i
		}
	}
	return m
}()

// typoLevel reports whether a comparison has a "one typo" level before "disagree".
func typoLevel(c int) bool { return c == cEmail || c == cPhone || c == cNationalID }

// vector is a pair's comparison levels; -1 is unknown.
type vector [nComp]int8

// detail says more about a level for the evidence, e.g. the similarity or the shared count.
type compared struct {
	v       vector
	sim     [nComp]float32 // similarity behind a level, when there is one
	shared  [nComp]string  // the identifier value (or name token) an exact level agreed on
	swapped bool           // names matched with given name and surname swapped
	alias   bool           // one side's name is only an alias
}

// stats holds what scoring needs about the whole population: how many records carry each
// identifier value and name token (term frequencies).
type stats struct {
	count map[string]int // kind + "\x00" + value -> records holding it
	total [nComp]int     // records with any value of the comparison's field
}

func jw(a, b string) float64 {
	if a == b {
		return 1
	}
	return matchr.JaroWinkler(a, b, false)
}

func compare(a, b *prepared) compared {
	var c compared
	for i := range c.v {
		c.v[i] = -1
	}
	c.alias = a.alias || b.alias
	if a.kind == KindPerson {
		comparePersonNames(a, b, &c)
	} else if a.org != "" && b.org != "" {
		switch s := jw(a.org, b.org); {
		case a.org == b.org:
			c.v[cOrgName] = 0
		case s >= 0.92:
			c.v[cOrgName], c.sim[cOrgName] = 1, float32(s)
		case tokenOverlap(a.orgToks, b.orgToks) >= 0.6:
			c.v[cOrgName], c.sim[cOrgName] = 2, float32(tokenOverlap(a.orgToks, b.orgToks))
		case !c.alias:
			c.v[cOrgName], c.sim[cOrgName] = 3, float32(s)
		}
	}
	if a.dob != "" && b.dob != "" && (a.clear || b.clear) {
		c.v[cBirthDate] = dateLevel(a.dob, b.dob)
	}
	c.v[cStreet], c.sim[cStreet] = textLevel(a.street, b.street, 0.88)
	c.v[cCity], c.sim[cCity] = textLevel(a.city, b.city, 0.88)
	if a.post != "" && b.post != "" {
		switch {
		case a.post == b.post:
			c.v[cPostcode] = 0
		case len(a.post) == len(b.post) && matchr.OSA(a.post, b.post) <= 1:
			c.v[cPostcode] = 1
		default:
			c.v[cPostcode] = 2
		}
	}
	if a.gender != 0 && b.gender != 0 && a.gender != 'o' && b.gender != 'o' {
		c.v[cGender] = boolLevel(a.gender == b.gender)
	}
	if a.country != "" && b.country != "" {
		c.v[cCountry] = boolLevel(a.country == b.country)
	}
	// Bloom filters stand in for names and dates only where one side has no clear name.
	if len(a.clk) > 0 && len(b.clk) > 0 && (!a.clear || !b.clear) {
		d := Dice(a.clk, b.clk)
		c.sim[cCLK] = float32(d)
		switch {
		case d >= 0.9:
			c.v[cCLK] = 0
		case d >= 0.8:
			c.v[cCLK] = 1
		case d >= 0.7:
			c.v[cCLK] = 2
		default:
			c.v[cCLK] = 3
		}
	}
	if a.ids != nil && b.ids != nil {
		for kind, av := range a.ids {
			bv, ok := b.ids[kind]
			ci, known := idComparison[kind]
			if !ok || !known {
				continue
			}
			if s := intersect(av, bv); s != "" {
				c.v[ci], c.shared[ci] = 0, s
				continue
			}
			if typoLevel(ci) && anyTypo(av, bv) {
				c.v[ci] = 1
				continue
			}
			c.v[ci] = int8(len(comparisons[ci].levels) - 1)
		}
	}
	return c
}

func comparePersonNames(a, b *prepared, c *compared) {
	if (a.given == "" && a.surname == "") || (b.given == "" && b.surname == "") {
		return
	}
	gl, gs := givenLevel(a.given, b.given)
	sl, ss := textLevel4(a.surname, b.surname)
	// Given name and surname swapped in one source (a FEBRL corruption, and common where
	// family names come first): take the orientation that agrees more.
	if a.given != "" && b.given != "" && a.surname != "" && b.surname != "" {
		// The two cross pairs, the closer one scored as the surname, so that the result does
		// not depend on which record comes first.
		p1, p2 := [2]string{a.given, b.surname}, [2]string{a.surname, b.given}
		j1, j2 := jw(p1[0], p1[1]), jw(p2[0], p2[1])
		if j2 > j1 || (j2 == j1 && p2[0]+p2[1] > p1[0]+p1[1]) {
			p1, p2 = p2, p1
		}
		if j2 > j1 {
			j1, j2 = j2, j1
		}
		xs, xss := textLevel4Sim(p1[0], p1[1], j1)
		xg, xgs := givenLevelSim(p2[0], p2[1], j2)
		if xgs+xss > gs+ss+0.1 {
			gl, gs, sl, ss = xg, xgs, xs, xss
			c.swapped = true
		}
	}
	if c.alias {
		// A pseudonym that agrees is evidence; one that does not says nothing.
		if gl == 4 {
			gl = -1
		}
		if sl == 3 {
			sl = -1
		}
	}
	c.v[cGiven], c.sim[cGiven] = gl, float32(gs)
	c.v[cSurname], c.sim[cSurname] = sl, float32(ss)
	if gl == 0 {
		c.shared[cGiven] = a.given
	}
	if sl == 0 {
		c.shared[cSurname] = a.surname
	}
}

func givenLevel(a, b string) (int8, float64) {
	if a == "" || b == "" {
		return -1, 0
	}
	return givenLevelSim(a, b, jw(a, b))
}

// givenLevelSim is givenLevel with the Jaro-Winkler similarity s of a and b known.
func givenLevelSim(a, b string, s float64) (int8, float64) {
	if a == "" || b == "" {
		return -1, 0
	}
	if a == b {
		return 0, 1
	}
	if (len(a) == 1 || len(b) == 1) && a[0] == b[0] {
		return 3, 0
	}
	switch {
	case s >= 0.92:
		return 1, s
	case s >= 0.80:
		return 2, s
	}
	return 4, s
}

func textLevel4(a, b string) (int8, float64) {
	if a == "" || b == "" {
		return -1, 0
	}
	return textLevel4Sim(a, b, jw(a, b))
}

// textLevel4Sim is textLevel4 with the Jaro-Winkler similarity s of a and b known.
func textLevel4Sim(a, b string, s float64) (int8, float64) {
	if a == "" || b == "" {
		return -1, 0
	}
	if a == b {
		return 0, 1
	}
	switch {
	case s >= 0.92:
		return 1, s
	case s >= 0.80:
		return 2, s
	}
	return 3, s
}

func textLevel(a, b string, cut float64) (int8, float32) {
	if a == "" || b == "" {
		return -1, 0
	}
	if a == b {
		return 0, 1
	}
	if s := jw(a, b); s >= cut {
		return 1, float32(s)
	} else {
		return 2, float32(s)
	}
}

func boolLevel(agree bool) int8 {
	if agree {
		return 0
	}
	return 1
}

// dateLevel compares two dates of YYYYMMDD, YYYYMM or YYYY digits.
func dateLevel(a, b string) int8 {
	if a == b && len(a) == 8 {
		return 0
	}
	if len(a) == 8 && len(b) == 8 {
		// one digit changed or two adjacent digits transposed, or day and month swapped
		if matchr.OSA(a, b) <= 1 || (a[:4] == b[:4] && a[4:6] == b[6:8] && a[6:8] == b[4:6]) {
			return 1
		}
	}
	// the same year counts only where a date is known no better than its year or month; two
	// full dates of one year and different days are two birthdays
	if n := min(len(a), len(b)); n < 8 && (a[:n] == b[:n] || a[:4] == b[:4]) {
		return 2
	}
	return 3
}

func tokenOverlap(a, b []string) float64 {
	return min(tokenCover(a, b), tokenCover(b, a)) // the same whichever comes first
}

// tokenCover is the share of a's tokens found in b (exactly, or close for longer ones), over
// the longer list's length.
func tokenCover(a, b []string) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	shared := 0
	for _, t := range a {
		if slices.Contains(b, t) {
			shared++
			continue
		}
		for _, u := range b {
			if len(t) > 3 && jw(t, u) >= 0.9 {
				shared++
				break
			}
		}
	}
	return float64(shared) / float64(max(len(a), len(b)))
}

// intersect returns the first value of two sorted lists they share, or "".
func intersect(a, b []string) string {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch strings.Compare(a[i], b[j]) {
		case 0:
			return a[i]
		case -1:
			i++
		default:
			j++
		}
	}
	return ""
}

func anyTypo(a, b []string) bool {
	for _, x := range a {
		if IsKeyed(x) {
			continue
		}
		for _, y := range b {
			if !IsKeyed(y) && len(x) == len(y) && len(x) >= 6 && matchr.OSA(x, y) <= 1 {
				return true
			}
		}
	}
	return false
}

// termKey is the key of a value in stats.count.
func termKey(c int, v string) string { return comparisons[c].name + "\x00" + v }

// collectStats counts, over all records, the holders of each identifier value and of each given
// name and surname (for term-frequency adjustment).
func collectStats(ps []*prepared) *stats {
	st := &stats{count: make(map[string]int, len(ps)*2)}
	for _, p := range ps {
		if p.given != "" {
			st.count[termKey(cGiven, p.given)]++
			st.total[cGiven]++
		}
		if p.surname != "" {
			st.count[termKey(cSurname, p.surname)]++
			st.total[cSurname]++
		}
		for kind, vs := range p.ids {
			ci, ok := idComparison[kind]
			if !ok {
				continue
			}
			st.total[ci]++
			for _, v := range vs {
				st.count[termKey(ci, v)]++
			}
		}
	}
	return st
}

// minTFTotal is the population under which name frequencies are too noisy to adjust weights.
const minTFTotal = 1000

// tfComparisons are the comparisons whose exact level is adjusted by how common the value is.
func tfAdjusted(c int) bool { return c == cGiven || c == cSurname || comparisons[c].idKind != "" }

// score turns a comparison into a weight, a probability and its evidence under model m.
func (e *engine) score(c *compared) (float64, float64, []Evidence, string, bool) {
	m := e.model
	w := logit2(m.Lambda)
	var ev []Evidence
	for i := 0; i < nComp; i++ {
		l := c.v[i]
		if l < 0 {
			continue
		}
		cm := &m.Comparisons[i]
		wi := cm.Weight(int(l))
		detail := ""
		if l == 0 && c.shared[i] != "" && tfAdjusted(i) {
			n := e.stats.count[termKey(i, c.shared[i])]
			if comparisons[i].idKind != "" && n > e.cfg.MaxShared {
				ev = append(ev, Evidence{Field: comparisons[i].name, Level: "exact", Weight: 0,
					Detail: fmt.Sprintf("shared by %d records: no weight", n)})
				continue
			}
			total := e.stats.total[i]
			switch {
			case comparisons[i].idKind != "" && n > 2:
				// Every record beyond the pair that holds the value halves what it says.
				wi -= log2(float64(n) / 2)
				detail = fmt.Sprintf("shared by %d records", n)
			case comparisons[i].idKind == "" && n > 1 && total >= minTFTotal:
				// Names: Splink's term-frequency adjustment, log2(u / frequency of the value),
				// only ever lowering the weight (a common surname says less than a rare one).
				if adj := log2(cm.U[0] / (float64(n) / float64(total))); adj < 0 {
					wi += adj
				}
				detail = fmt.Sprintf("%d of %d records have it", n, total)
			}
		} else if s := c.sim[i]; s > 0 && l > 0 {
			detail = fmt.Sprintf("%.2f", s)
		}
		if i == cGiven && c.swapped {
			detail = strings.TrimSpace(detail + " (given name and surname swapped)")
		}
		w += wi
		ev = append(ev, Evidence{Field: comparisons[i].name, Level: comparisons[i].levels[l], Weight: round2(wi), Detail: detail})
	}
	slices.SortStableFunc(ev, func(a, b Evidence) int {
		switch {
		case abs(a.Weight) > abs(b.Weight):
			return -1
		case abs(a.Weight) < abs(b.Weight):
			return 1
		}
		return 0
	})
	return w, prob2(w), ev, e.contradiction(c), e.corroborated(c)
}

// corroborated reports whether something besides names agrees: a birth date, an address, an
// identifier (not a login address), a Bloom filter. Names alone never link two records: there
// are many Chloe Robinsons.
func (e *engine) corroborated(c *compared) bool {
	if (c.v[cBirthDate] >= 0 && c.v[cBirthDate] <= 1) || (c.v[cStreet] >= 0 && c.v[cStreet] <= 1) ||
		c.v[cPostcode] == 0 || (c.v[cCLK] >= 0 && c.v[cCLK] <= 1) {
		return true
	}
	for i := cEmail; i < nComp; i++ {
		if i != cIP && c.v[i] == 0 && e.stats.count[termKey(i, c.shared[i])] <= e.cfg.MaxShared {
			return true
		}
	}
	return false
}

// agreeingIDs counts the identifier kinds on which a pair agrees exactly (IP addresses aside).
func agreeingIDs(c *compared) int {
	n := 0
	for i := cEmail; i < nComp; i++ {
		if i != cIP && c.v[i] == 0 {
			n++
		}
	}
	return n
}

// strongIDs are the identifier comparisons whose exact agreement on a value no other record
// holds vouches for a pair despite a contradiction.
// Not e-mails, phones, devices or bank accounts: families and couples share those.
var strongIDs = []int{cWallet, cPlatform}

// contradiction names the evidence that two records are different however well the rest agrees,
// or returns "": given names (persons) or names (organisations) that clearly differ, birth dates
// further apart than one typo and the same year, Bloom filters that disagree; a pseudonym (a
// platform display name) contradicts nothing. It is waived when the two share a national id or
// registration number (or national ids one typo apart), or a platform account or crypto wallet
// no other record holds: twins and a family's members share a surname, an address, a birth date,
// an e-mail, a phone or an account, but not a passport.
func (e *engine) contradiction(c *compared) string {
	var out []string
	for _, i := range []int{cGiven, cOrgName, cBirthDate, cCLK} {
		if (i == cGiven || i == cOrgName) && c.alias {
			continue // a pseudonym contradicts nothing
		}
		if i == cBirthDate && c.v[cGiven] >= 0 && c.v[cGiven] <= 1 && agreeingIDs(c) >= 2 {
			continue // a birth date mistyped by a whole year, where name and two identifiers agree
		}
		if c.v[i] == int8(len(comparisons[i].levels)-1) || (i == cOrgName && c.v[i] == 2) {
			// organisations that share only some name words are sisters or rivals more
			// often than one body: "Dr. Rath Education Services" and "Dr. Rath Health Programs"
			out = append(out, comparisons[i].name+" disagrees")
		}
	}
	// Different e-mails and different phones (or accounts, national ids) say two people, unless
	// a strong identifier agrees.
	var differ []string
	for _, i := range []int{cEmail, cPhone, cAccount, cNationalID} {
		if c.v[i] == int8(len(comparisons[i].levels)-1) {
			differ = append(differ, comparisons[i].name)
		}
	}
	if len(differ) >= 2 && agreeingIDs(c) == 0 {
		out = append(out, "different "+strings.Join(differ, " and "))
	}
	if len(out) == 0 {
		return ""
	}
	// A national id or registration number names one person or company, whoever else holds it
	// in error; families and couples share e-mails, phones and accounts.
	if c.v[cNationalID] == 0 || c.v[cNationalID] == 1 || c.v[cRegistry] == 0 {
		return ""
	}
	for _, i := range strongIDs {
		if c.v[i] == 0 && e.stats.count[termKey(i, c.shared[i])] <= 2 {
			return ""
		}
	}
	return strings.Join(out, ", ")
}
