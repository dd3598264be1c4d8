package evaluate

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/crosslink/crosslink/graph/resolve"
)

// SynthConfig describes a generated set of person records.
type SynthConfig struct {
	N       int     // records in all (default 100,000)
	DupRate float64 // share of the records that are corrupted duplicates of others (default 0.2)
	Seed    uint64  // the same seed gives the same records (default 1)
}

// Synthetic is a generated set of records and its truth.
type Synthetic struct {
	Records []resolve.Record
	Entity  []int // entity of each record, by index
	Truth   PairSet
}

// Synthesize generates persons the way FEBRL does: originals with a given name, surname, gender,
// birth date, street, city with its postcode, most with an e-mail and a phone, in two sources
// ("a" and "b"), and duplicates of random originals (an original may get several), mostly in the
// other source, each with one to three corruptions: a typo in a name, given name and surname
// swapped, a field missing, a birth date's day and month swapped or a digit changed, a postcode
// digit changed, the e-mail's domain changed, a phone digit changed, another street number.
// Names are drawn with a skew so that common names are common, as in life; records come out
// shuffled with ids syn-0000001... The result depends only on the configuration.
func Synthesize(cfg SynthConfig) *Synthetic {
	if cfg.N <= 0 {
		cfg.N = 100_000
	}
	if cfg.DupRate <= 0 || cfg.DupRate >= 1 {
		cfg.DupRate = 0.2
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5eed_c1a55))
	g := &synth{rng: rng, used: map[string]bool{}}
	g.places()
	nDup := int(float64(cfg.N) * cfg.DupRate)
	nOrig := cfg.N - nDup
	type gen struct {
		rec    resolve.Record
		entity int
	}
	all := make([]gen, 0, cfg.N)
	for i := range nOrig {
		all = append(all, gen{g.person(), i})
	}
	for range nDup {
		e := rng.IntN(nOrig)
		d := g.corrupt(all[e].rec)
		if rng.Float64() < 0.7 {
			d.Source = other(all[e].rec.Source)
		}
		all = append(all, gen{d, e})
	}
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	s := &Synthetic{Records: make([]resolve.Record, len(all)), Entity: make([]int, len(all))}
	members := make(map[int][]string, nOrig)
	for i := range all {
		all[i].rec.ID = fmt.Sprintf("syn-%07d", i+1)
		s.Records[i] = all[i].rec
		s.Entity[i] = all[i].entity
		members[all[i].entity] = append(members[all[i].entity], all[i].rec.ID)
	}
	groups := make([][]string, 0, nDup)
	for _, m := range members {
		if len(m) > 1 {
			groups = append(groups, m)
		}
	}
	s.Truth = GroupPairs(groups)
	return s
}

func other(source string) string {
	if source == "a" {
		return "b"
	}
	return "a"
}

type place struct{ city, postcode string }

type synth struct {
	rng    *rand.Rand
	cities []place
	used   map[string]bool // e-mails and phones given out: every original has its own
}

// skewed picks an index in [0, n) with small indexes more likely: index n·u^1.5, so the first
// of 125 given names has about 4 % of the draws, the first of 2,000 places 0.6 %, close to
// the shares of the commonest names and postcodes in national statistics.
func (g *synth) skewed(n int) int {
	u := g.rng.Float64()
	return int(float64(n) * u * math.Sqrt(u))
}

func (g *synth) pick(list []string) string { return list[g.skewed(len(list))] }

// coined makes a word of two syllable lists: the long tail of surnames and place names.
func (g *synth) coined(a, b []string) string {
	return a[g.rng.IntN(len(a))] + b[g.rng.IntN(len(b))]
}

func (g *synth) places() {
	seen := map[string]bool{}
	for len(g.cities) < 2000 {
		c := g.coined(placeStarts, placeEnds)
		if g.rng.IntN(4) == 0 {
			c = g.pick(placePrefixes) + " " + c
		}
		if seen[c] {
			continue
		}
		seen[c] = true
		// Postcodes repeat across places now and then, as they do.
		g.cities = append(g.cities, place{c, strconv.Itoa(1000 + g.rng.IntN(9000))})
	}
}

func (g *synth) person() resolve.Record {
	r := resolve.Record{Kind: resolve.KindPerson, Source: "a"}
	if g.rng.IntN(2) == 1 {
		r.Source = "b"
	}
	if g.rng.IntN(2) == 0 {
		r.Gender, r.GivenName = "female", g.pick(femaleNames)
	} else {
		r.Gender, r.GivenName = "male", g.pick(maleNames)
	}
	if g.rng.Float64() < 0.45 {
		r.Surname = g.pick(surnames)
	} else {
		r.Surname = g.coined(surnameStarts, surnameEnds)
	}
	day := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, g.rng.IntN(67*365))
	r.BirthDate = day.Format("2006-01-02")
	p := g.cities[g.skewed(len(g.cities))]
	r.City, r.Postcode = p.city, p.postcode
	r.Street = fmt.Sprintf("%d %s %s", 1+g.rng.IntN(250), g.pick(streetNames), streetTypes[g.rng.IntN(len(streetTypes))])
	if g.rng.Float64() < 0.85 {
		local := r.GivenName + "." + r.Surname
		switch g.rng.IntN(3) {
		case 0:
			local = r.GivenName[:1] + r.Surname
		case 1:
			local += strconv.Itoa(g.rng.IntN(100))
		}
		domain := g.pick(mailDomains)
		email := local + "@" + domain
		for g.used[email] {
			email = local + strconv.Itoa(g.rng.IntN(10_000)) + "@" + domain
		}
		g.used[email] = true
		r.Identifiers = append(r.Identifiers, resolve.Identifier{Kind: resolve.IDEmail, Value: email})
	}
	if g.rng.Float64() < 0.75 {
		phone := ""
		for phone == "" || g.used[phone] {
			phone = fmt.Sprintf("+614%08d", g.rng.IntN(100_000_000))
		}
		g.used[phone] = true
		r.Identifiers = append(r.Identifiers, resolve.Identifier{Kind: resolve.IDPhone, Value: phone})
	}
	return r
}

// corrupt returns a duplicate of r with one to three corruptions.
func (g *synth) corrupt(r resolve.Record) resolve.Record {
	d := r
	d.Identifiers = append([]resolve.Identifier(nil), r.Identifiers...)
	n := 1
	switch u := g.rng.Float64(); {
	case u > 0.85:
		n = 3
	case u > 0.5:
		n = 2
	}
	for range n {
		switch g.rng.IntN(10) {
		case 0:
			d.GivenName = g.typo(d.GivenName)
		case 1:
			d.Surname = g.typo(d.Surname)
		case 2:
			d.GivenName, d.Surname = d.Surname, d.GivenName
		case 3:
			switch g.rng.IntN(5) {
			case 0:
				d.GivenName = ""
			case 1:
				d.Street = ""
			case 2:
				d.City, d.Postcode = "", ""
			case 3:
				d.BirthDate = ""
			default:
				if len(d.Identifiers) > 0 {
					d.Identifiers = d.Identifiers[:len(d.Identifiers)-1]
				}
			}
		case 4:
			d.BirthDate = g.dateError(d.BirthDate)
		case 5:
			d.Postcode = g.digitError(d.Postcode)
		case 6:
			for i, id := range d.Identifiers {
				if id.Kind == resolve.IDEmail {
					local, _, _ := strings.Cut(id.Value, "@")
					d.Identifiers[i].Value = local + "@" + mailDomains[g.rng.IntN(len(mailDomains))]
				}
			}
		case 7:
			for i, id := range d.Identifiers {
				if id.Kind == resolve.IDPhone {
					d.Identifiers[i].Value = "+" + g.digitError(id.Value[1:])
				}
			}
		case 8:
			if num, rest, ok := strings.Cut(d.Street, " "); ok {
				if n, err := strconv.Atoi(num); err == nil {
					d.Street = strconv.Itoa(n+1+g.rng.IntN(9)) + " " + rest
				}
			}
		case 9:
			d.Street = g.typo(d.Street)
		}
	}
	return d
}

// typo inserts, deletes, substitutes or transposes one letter, as FEBRL's generator does.
func (g *synth) typo(s string) string {
	b := []byte(s)
	if len(b) < 2 {
		return s
	}
	i := g.rng.IntN(len(b) - 1)
	c := byte('a' + g.rng.IntN(26))
	switch g.rng.IntN(4) {
	case 0:
		return string(b[:i]) + string(c) + string(b[i:])
	case 1:
		return string(b[:i]) + string(b[i+1:])
	case 2:
		b[i] = c
	default:
		b[i], b[i+1] = b[i+1], b[i]
	}
	return string(b)
}

func (g *synth) digitError(s string) string {
	b := []byte(s)
	if len(b) == 0 {
		return s
	}
	i := g.rng.IntN(len(b))
	if b[i] >= '0' && b[i] <= '9' {
		b[i] = byte('0' + (int(b[i]-'0')+1+g.rng.IntN(9))%10)
	}
	return string(b)
}

// dateError swaps day and month when both are at most 12, else changes a digit of the day or
// moves the year by one.
func (g *synth) dateError(s string) string {
	if len(s) != 10 {
		return s
	}
	y, m, d := s[:4], s[5:7], s[8:10]
	switch {
	case d <= "12" && m != d && g.rng.IntN(2) == 0:
		return y + "-" + d + "-" + m
	case g.rng.IntN(2) == 0:
		n, _ := strconv.Atoi(y)
		return fmt.Sprintf("%04d-%s-%s", n+1-2*g.rng.IntN(2), m, d)
	default:
		dd := []byte(d)
		dd[1] = byte('0' + (int(dd[1]-'0')+1+g.rng.IntN(8))%10)
		if dd[0] == '3' && dd[1] > '0' || dd[0] == '0' && dd[1] == '0' {
			dd[1] = '1'
		}
		return y + "-" + m + "-" + string(dd)
	}
}

// Throughput is the synthetic run's speed and memory.
type Throughput struct {
	Records          int     `json:"records"`
	Seconds          float64 `json:"seconds"`
	RecordsPerSecond float64 `json:"recordsPerSecond"`
	// PeakHeapInuse is the largest runtime.MemStats.HeapInuse seen while Resolve ran, sampled
	// every 20 ms; BaseHeapInuse is HeapInuse after a GC just before (it holds the records).
	PeakHeapInuse uint64 `json:"peakHeapInuse"`
	BaseHeapInuse uint64 `json:"baseHeapInuse"`
	// TotalAlloc is what Resolve allocated in all (runtime.MemStats.TotalAlloc's growth); Sys
	// is the memory the Go runtime held from the OS after the run.
	TotalAlloc uint64 `json:"totalAlloc"`
	Sys        uint64 `json:"sys"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	// Target is the records per second wanted (MinRecordsPerSecond).
	Target float64 `json:"target"`
}

// MinRecordsPerSecond is the throughput target on the 2-core machine.
const MinRecordsPerSecond = 5000

// Measure runs Resolve over recs once and measures it.
func Measure(ctx context.Context, recs []resolve.Record, ro resolve.Options,
	run func(context.Context, []resolve.Record, resolve.Options) (*resolve.Result, error)) (*resolve.Result, *Throughput, error) {
	if run == nil {
		run = resolve.Resolve
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t := &Throughput{Records: len(recs), BaseHeapInuse: ms.HeapInuse, PeakHeapInuse: ms.HeapInuse,
		GOMAXPROCS: runtime.GOMAXPROCS(0), Target: MinRecordsPerSecond}
	alloc0 := ms.TotalAlloc
	done := make(chan struct{})
	var wg sync.WaitGroup
	var peak uint64
	wg.Go(func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapInuse)
			}
		}
	})
	began := time.Now()
	res, err := run(ctx, recs, ro)
	t.Seconds = time.Since(began).Seconds()
	close(done)
	wg.Wait()
	if err != nil {
		return nil, nil, err
	}
	runtime.ReadMemStats(&ms)
	t.PeakHeapInuse = max(t.PeakHeapInuse, peak, ms.HeapInuse)
	t.TotalAlloc = ms.TotalAlloc - alloc0
	t.Sys = ms.Sys
	if t.Seconds > 0 {
		t.RecordsPerSecond = float64(len(recs)) / t.Seconds
	}
	return res, t, nil
}

func evalSynthetic(ctx context.Context, opts Options, rep *Report) error {
	s := Synthesize(SynthConfig{N: opts.Synthetic, Seed: opts.Seed})
	row := Row{Dataset: fmt.Sprintf("synthetic %d (seed %d)", len(s.Records), opts.Seed), Task: "dedup + linkage, throughput", Records: len(s.Records)}
	res, t, err := Measure(ctx, s.Records, resolve.Options{Config: opts.Config}, opts.resolve)
	if err != nil {
		return fmt.Errorf("%s: %w", row.Dataset, err)
	}
	row.Seconds = t.Seconds
	stats := res.Stats
	row.Stats = &stats
	pred := ClusterPairs(res.Clusters)
	row.Metrics = Score(pred, s.Truth)
	Diagnose(s.Records, res, pred, s.Truth, opts, &row)
	row.Target = fmt.Sprintf("≥ %d records/s", MinRecordsPerSecond)
	met := t.RecordsPerSecond >= MinRecordsPerSecond
	row.Met = &met
	row.Detail = fmt.Sprintf("%.0f records/s (%.1f s, GOMAXPROCS %d); peak HeapInuse %s (%s before), %s allocated",
		t.RecordsPerSecond, t.Seconds, t.GOMAXPROCS, mib(t.PeakHeapInuse), mib(t.BaseHeapInuse), mib(t.TotalAlloc))
	rep.Rows = append(rep.Rows, row)
	rep.Throughput = t
	return nil
}

func mib(b uint64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

var femaleNames = []string{
	"mary", "patricia", "jennifer", "linda", "elizabeth", "barbara", "susan", "jessica", "sarah", "karen",
	"lisa", "nancy", "betty", "margaret", "sandra", "ashley", "kimberly", "emily", "donna", "michelle",
	"carol", "amanda", "dorothy", "melissa", "deborah", "stephanie", "rebecca", "sharon", "laura", "cynthia",
	"kathleen", "amy", "angela", "shirley", "anna", "brenda", "pamela", "emma", "nicole", "helen",
	"samantha", "katherine", "christine", "debra", "rachel", "carolyn", "janet", "catherine", "maria", "heather",
	"diane", "ruth", "julie", "olivia", "joyce", "virginia", "victoria", "kelly", "lauren", "christina",
	"joan", "evelyn", "judith", "megan", "andrea", "cheryl", "hannah", "jacqueline", "martha", "gloria",
	"teresa", "ann", "sara", "madison", "frances", "kathryn", "janice", "jean", "abigail", "alice",
	"julia", "judy", "sophia", "grace", "denise", "amber", "doris", "marilyn", "danielle", "beverly",
	"isabella", "theresa", "diana", "natalie", "brittany", "charlotte", "marie", "kayla", "alexis", "lori",
	"chloe", "zoe", "mia", "ava", "ella", "ruby", "isla", "matilda", "ivy", "willow", "harper", "amelia",
	"jasmine", "leah", "ines", "lucia", "elena", "sofia", "anja", "katja", "ingrid", "freya", "maja", "lena",
}

var maleNames = []string{
	"james", "robert", "john", "michael", "david", "william", "richard", "joseph", "thomas", "christopher",
	"charles", "daniel", "matthew", "anthony", "mark", "donald", "steven", "andrew", "paul", "joshua",
	"kenneth", "kevin", "brian", "george", "timothy", "ronald", "jason", "edward", "jeffrey", "ryan",
	"jacob", "gary", "nicholas", "eric", "jonathan", "stephen", "larry", "justin", "scott", "brandon",
	"benjamin", "samuel", "gregory", "alexander", "patrick", "frank", "raymond", "jack", "dennis", "jerry",
	"tyler", "aaron", "jose", "adam", "nathan", "henry", "zachary", "douglas", "peter", "kyle",
	"noah", "ethan", "jeremy", "walter", "christian", "keith", "roger", "terry", "austin", "sean",
	"gerald", "carl", "harold", "dylan", "arthur", "lawrence", "jordan", "jesse", "bryan", "billy",
	"bruce", "gabriel", "joe", "logan", "alan", "juan", "albert", "willie", "elijah", "wayne",
	"randy", "vincent", "mason", "roy", "ralph", "bobby", "russell", "bradley", "philip", "eugene",
	"liam", "oliver", "lucas", "hugo", "leon", "felix", "oscar", "max", "elias", "jonas", "luca", "mateo",
	"finn", "theo", "archie", "harrison", "lachlan", "cooper", "riley", "hamish", "angus", "declan", "rory",
}

var surnames = []string{
	"smith", "jones", "williams", "brown", "wilson", "taylor", "johnson", "white", "martin", "anderson",
	"thompson", "nguyen", "thomas", "walker", "harris", "lee", "ryan", "robinson", "kelly", "king",
	"davis", "wright", "evans", "roberts", "green", "hall", "wood", "jackson", "clarke", "patel",
	"khan", "lewis", "james", "phillips", "mason", "mitchell", "rose", "davies", "rodriguez", "cox",
	"alexander", "morris", "cooper", "ward", "turner", "hughes", "edwards", "collins", "stewart", "morgan",
	"bell", "murphy", "bailey", "parker", "miller", "cook", "price", "campbell", "watson", "young",
	"allen", "scott", "baker", "adams", "nelson", "hill", "ramirez", "campbell", "carter", "gomez",
	"muller", "schmidt", "schneider", "fischer", "weber", "meyer", "wagner", "becker", "schulz", "hoffmann",
	"rossi", "russo", "ferrari", "esposito", "bianchi", "romano", "colombo", "ricci", "marino", "greco",
	"garcia", "fernandez", "lopez", "martinez", "sanchez", "perez", "gonzalez", "diaz", "moreno", "alvarez",
	"kowalski", "nowak", "wisniewski", "novak", "horvat", "kovacs", "nagy", "popescu", "ivanov", "petrov",
	"tran", "le", "pham", "huynh", "chen", "wang", "li", "zhang", "liu", "yang", "kim", "park", "choi",
	"singh", "kumar", "sharma", "gupta", "das", "reddy", "ali", "ahmed", "hussain", "hassan", "ibrahim",
	"obrien", "oconnor", "mccarthy", "byrne", "walsh", "doyle", "kennedy", "lynch", "quinn", "brennan",
}

var surnameStarts = []string{
	"ash", "black", "brad", "bram", "brook", "cald", "carl", "chester", "clay", "cran", "dal", "dun",
	"ed", "elm", "fair", "fern", "gar", "glen", "gold", "green", "hal", "har", "hart", "hay", "hol",
	"kings", "lang", "lind", "mar", "mel", "mid", "mor", "nor", "oak", "pen", "ral", "red", "ros",
	"shel", "stan", "stock", "strat", "sut", "thorn", "tre", "wal", "well", "west", "whit", "win",
	"kerr", "mac", "ber", "vor", "lich", "stein", "kapl", "dro", "vel", "kor",
}

var surnameEnds = []string{
	"by", "ton", "ford", "ley", "well", "wood", "ham", "field", "worth", "combe", "stone", "more",
	"burn", "dale", "mann", "berg", "feld", "ski", "ova", "enko", "ini", "ez", "son", "sen", "ers",
	"ridge", "hurst", "croft", "wick", "land",
}

var placeStarts = []string{
	"wil", "ash", "bur", "car", "dar", "ever", "fran", "glad", "hazel", "in", "ken", "lil", "mar",
	"nor", "or", "pal", "quin", "ros", "sun", "tar", "ul", "val", "war", "yar", "zel", "bel", "cam",
	"dun", "eden", "fox", "gran", "hill", "iron", "jar", "kil", "lake", "mill", "new", "old", "port",
}

var placePrefixes = []string{"north", "south", "east", "west", "upper", "lower", "port", "mount", "glen", "saint"}

var placeEnds = []string{
	"ton", "ville", "field", "brook", "dale", "wood", "ford", "haven", "mount", "bury",
	"ridge", "vale", "stone", "cliff", "bank", " creek", " hills", " park", " heights", " springs",
}

var streetNames = []string{
	"main", "high", "church", "station", "park", "victoria", "george", "king", "queen", "elizabeth",
	"william", "albert", "mill", "bridge", "market", "school", "north", "south", "east", "west",
	"hill", "river", "lake", "forest", "oak", "pine", "maple", "cedar", "elm", "willow",
	"wattle", "banksia", "acacia", "jacaranda", "eucalyptus", "tullaroop", "giblin", "pinkerton", "stanley", "brunswick",
	"collins", "flinders", "swanston", "bourke", "lonsdale", "spencer", "william", "russell", "exhibition", "spring",
}

var streetTypes = []string{"street", "road", "avenue", "place", "crescent", "drive", "lane", "court", "circuit", "way"}

var mailDomains = []string{"gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com", "bigpond.com", "gmx.net", "web.de", "proton.me", "mail.com"}
