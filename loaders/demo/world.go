package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// person is anyone in the world: a bank customer, a facilitator abroad, a child whose platform
// account is named in a report, a platform user the bank never sees.
type person struct {
	key         string // ground-truth key; in no file
	first, last string
	female      bool
	birth       time.Time
	country     string
	city        city
	culture     string
	email       string // canonical (lower-case); "" when none
	phone       phone
	household   int    // index of the household's v6 prefix
	homeIP      string // household IPv4
	device      device // the phone they use
	cust        *customer
	wallets     []*party    // accounts outside the bank that receive money for them
	accounts    []*uaccount // platform accounts
	role        string      // role in a network, "" for ordinary people
	net         *network
	truth       *PersonTruth // same-person cluster, when the person appears in two sectors
	usesVPN     bool
	contact     time.Time // sextortion victims: when the extortionist first wrote
	extorter    *person
}

func (p *person) name() string { return p.first + " " + p.last }

func (p *person) age(at time.Time) int {
	y := at.Year() - p.birth.Year()
	if at.YearDay() < p.birth.YearDay() {
		y--
	}
	return y
}

// device is a handset identifier as platforms and banking apps record it.
type device struct {
	kind, id string // imei, idfa or aaid
}

// customer is a person's relationship with the demo bank.
type customer struct {
	id, account, card string
	currency          string
	employer          *party
	salary            int64 // minor units per pay
	payday            int   // day of month, or 0 for fortnightly pay
	payAnchor         int   // first fortnightly payday (day index)
	housing           *party
	housingAmount     int64
	housingDay        int
	housingRef        string
	bills             []recurring
	spend             float64 // card purchases per day
	p2p               float64 // payments to friends per day
	friends           []*person
	family            []*party
	remitDay          int
	remitAmount       int64
	parent            *person
	children          []*person
	busy              bool // has a role in a network or planted pattern
	paid              bool // has paid at least once (its KYC e-mail is in the file)
	accountUsed       bool // the transactions file names the account
	cardUsed          bool // the transactions file names the card
}

// recurring is a monthly card payment to a merchant (subscription or bill).
type recurring struct {
	m      *merchant
	amount int64
	day    int
}

// party holds an account outside the demo bank: an employer, a landlord, a remittance
// recipient's remitter or wallet account.
type party struct {
	name, ptype string // ptype: person or company
	country     string
	account     string // partner-scoped account number ("" when iban is set)
	iban        string
	accountType string // bank, wallet, remitter
	bank        string
	phone       string // E.164, for mobile wallets
	person      *person
	used        bool // the transactions file names the account
}

// merchant is a card acceptor.
type merchant struct {
	id, name, mcc, country, category string
	min, max                         int // amount range in major units
	ftm                              string
}

// world is everything generated up front: the population and the planned (non-ordinary)
// transactions and events. Ordinary transactions and ordinary platform events are drawn while
// writing.
type world struct {
	cfg                                 Config
	r                                   *rand.Rand
	ips                                 ipAllocator
	people                              []*person
	customers                           []*person
	order                               []int                // a shuffled order of customers, for pickCustomer
	byCountry                           map[string][]*person // lookup only
	merchants                           []*merchant
	byCategory                          map[string][]*merchant // key category+"/"+country or category; lookup only
	employers                           []*party
	landlords                           []*party
	lenders                             []*party
	pension                             map[string]*party   // lookup only
	benefits                            map[string]*party   // lookup only
	employersBy, landlordsBy, lendersBy map[string][]*party // by country; lookup only
	networks                            []*network
	planned                             [][]*txn // by UTC day index
	seq                                 int64
	free                                []*txn // written transactions, for reuse
	uaccounts                           []*uaccount
	usernames                           map[string]bool // service/username, lookup only
	platIDs                             *uniqueNumbers
	reports                             []*report
	ftm                                 []ftmEntity
	truth                               *GroundTruth
	custIDs                             *uniqueNumbers
	acctNums                            *uniqueNumbers
	cardNums                            *uniqueNumbers
	walletNums                          *uniqueNumbers
	emails                              map[string]bool // lookup only
	npeople                             int
}

func buildWorld(cfg Config) *world {
	w := &world{
		cfg:        cfg,
		r:          newRand(cfg.Seed, "world"),
		byCountry:  map[string][]*person{},
		byCategory: map[string][]*merchant{},
		pension:    map[string]*party{},
		benefits:   map[string]*party{},
		planned:    make([][]*txn, cfg.Days),
		usernames:  map[string]bool{},
		emails:     map[string]bool{},
	}
	w.custIDs = newUniqueNumbers(w.r, 1_000_000, 9_999_999)
	w.acctNums = newUniqueNumbers(w.r, 10_000_000, 99_999_999)
	w.cardNums = newUniqueNumbers(w.r, 1_000_000_000, 9_999_999_999)
	w.walletNums = newUniqueNumbers(w.r, 10_000_000, 99_999_999)
	w.platIDs = newUniqueNumbers(w.r, 100_000_000, 999_999_999)
	w.truth = &GroundTruth{
		Generator:   GeneratorInfo{Seed: cfg.Seed, Scale: cfg.Scale, Start: cfg.Start.Format(time.DateOnly), Days: cfg.Days},
		BankPartner: BankPartner,
	}
	w.buildMerchants()
	w.buildCounterparties()
	w.buildCustomers()
	w.buildNetworks()
	w.buildPatterns()
	w.buildPlatform()
	w.buildReports()
	w.buildFtM()
	w.finishTruth()
	return w
}

// residence countries of the bank's customers and their weights.
var (
	homeCountries = []string{"GB", "AU", "US", "CA", "DE", "NL"}
	homeWeights   = []float64{0.30, 0.20, 0.20, 0.10, 0.12, 0.08}
	// Diaspora customers send money to family in their country of origin.
	originCountries = []string{"PH", "IN", "PL", "VN", "CO", "RO", "NG"}
	originWeights   = []float64{0.35, 0.20, 0.15, 0.10, 0.08, 0.07, 0.05}
)

// newPerson creates a person living in country cc with names of culture cult and an age drawn
// between minAge and maxAge at the start of the period.
func (w *world) newPerson(cc, cult string, female bool, minAge, maxAge int) *person {
	r := w.r
	w.npeople++
	co := countries[cc]
	p := &person{
		key:     fmt.Sprintf("P%07d", w.npeople),
		female:  female,
		country: cc,
		city:    pick(r, co.cities),
		culture: cult,
	}
	p.first, p.last = drawName(r, cult, female)
	// Ages lean to the middle of the range (sum of two uniforms).
	span := float64(maxAge - minAge)
	age := minAge + int((r.Float64()+r.Float64())/2*span)
	p.birth = w.cfg.Start.AddDate(-age-1, 0, r.IntN(365))
	p.phone = newPhone(r, cc, p.city)
	p.household = w.npeople
	p.device = w.newDevice()
	return p
}

func (w *world) newDevice() device {
	switch w.r.IntN(3) {
	case 0:
		return device{"idfa", adID(w.r, true)}
	case 1:
		return device{"aaid", adID(w.r, false)}
	default:
		return device{"imei", imei(w.r)}
	}
}

// giveEmail gives p a unique e-mail address built from the name.
func (w *world) giveEmail(p *person) {
	for {
		e := emailLocal(w.r, p.first, p.last, p.birth.Year()) + "@" + pick(w.r, emailDomains)
		if !w.emails[e] {
			w.emails[e] = true
			p.email = e
			return
		}
	}
}

func (w *world) giveHomeIP(p *person) {
	if p.homeIP == "" {
		p.homeIP = w.ips.homeV4()
	}
}

// buildCustomers creates the bank's customers, their jobs, homes, bills, friends and families
// abroad.
func (w *world) buildCustomers() {
	r := w.r
	n := 2000 * w.cfg.Scale
	nYouth := n * 3 / 100
	for len(w.customers) < n-nYouth {
		cc := homeCountries[weighted(r, homeWeights)]
		cult := countries[cc].culture
		origin := ""
		if chance(r, 0.15) {
			origin = originCountries[weighted(r, originWeights)]
			cult = countries[origin].culture
		}
		p := w.newPerson(cc, cult, chance(r, 0.5), 19, 86)
		w.addCustomer(p)
		if origin != "" {
			w.giveFamily(p, origin)
		}
	}
	// Youth accounts (15–17), opened by a parent who banks here too.
	adults := slices.Clone(w.customers)
	for range nYouth {
		parent := pick(r, adults)
		for parent.age(w.cfg.Start) < 35 || parent.age(w.cfg.Start) > 60 {
			parent = pick(r, adults)
		}
		kid := w.newPerson(parent.country, parent.culture, chance(r, 0.4), 15, 18)
		kid.last = parent.last
		kid.city = parent.city
		kid.homeIP = parent.homeIP
		kid.household = parent.household
		w.addCustomer(kid)
		kid.cust.parent = parent
		parent.cust.children = append(parent.cust.children, kid)
	}
	for _, p := range w.customers {
		w.byCountry[p.country] = append(w.byCountry[p.country], p)
	}
	for _, p := range w.customers {
		w.makeFriends(p)
	}
}

func (w *world) addCustomer(p *person) {
	r := w.r
	w.giveEmail(p)
	w.giveHomeIP(p)
	c := &customer{
		id:       fmt.Sprintf("C%07d", w.custIDs.next()),
		account:  fmt.Sprintf("DB%08d", w.acctNums.next()),
		card:     fmt.Sprintf("CRD%010d", w.cardNums.next()),
		currency: countries[p.country].currency,
	}
	p.cust = c
	age := p.age(w.cfg.Start)
	light := chance(r, 0.35) // a secondary bank: few payments go through it
	switch {
	case age < 18:
		c.spend = 0.03 + r.Float64()*0.05
		c.p2p = 0.01
	case age >= 67:
		c.employer = w.pension[p.country]
		c.salary = int64(between(r, 900, 2400)) * 100
		c.payday = between(r, 1, 28)
	case chance(r, 0.12):
		// Out of work or studying: a state allowance.
		c.employer = w.benefits[p.country]
		c.salary = int64(between(r, 500, 1500)) * 100
		c.payday = between(r, 1, 28)
	default:
		c.employer = pick(r, w.employersBy[p.country])
		monthly := math.Exp(math.Log(2000) + r.Float64()*math.Log(4.5)) // 2,000 to 9,000
		if (p.country == "US" || p.country == "CA") && chance(r, 0.6) {
			c.salary = int64(monthly/2.17) * 100
			c.payAnchor = r.IntN(14)
		} else {
			c.salary = int64(monthly) * 100
			c.payday = pick(r, []int{1, 15, 25, 26, 27, 28, 28, 28})
		}
	}
	if age >= 18 {
		switch {
		case chance(r, 0.55):
			c.housing = pick(r, w.landlordsBy[p.country])
			c.housingAmount = int64(between(r, 70, 260)) * 1000
			c.housingRef = rentRef(r, p.country)
		case chance(r, 0.6):
			c.housing = pick(r, w.lendersBy[p.country])
			c.housingAmount = int64(between(r, 600, 2800)) * 100
			c.housingRef = "MORTGAGE " + itoa(between(r, 100000, 999999))
		}
		c.housingDay = between(r, 1, 5)
	}
	if light {
		c.spend = 0.015 + r.Float64()*0.03
		c.p2p = 0.003
		c.housing = nil
	} else if age >= 18 {
		c.spend = 0.035 + r.Float64()*0.06
		c.p2p = 0.004 + r.Float64()*0.01
		if chance(r, 0.7) {
			c.bills = append(c.bills, recurring{m: w.merchantFor(r, "telecom", p.country), amount: int64(between(r, 1500, 8500)), day: between(r, 1, 28)})
		}
		if chance(r, 0.45) {
			c.bills = append(c.bills, recurring{m: w.merchantFor(r, "streaming", p.country), amount: pick(r, []int64{799, 999, 1199, 1549, 1799}), day: between(r, 1, 28)})
		}
		if chance(r, 0.04) {
			// Ordinary VPN users: privacy-minded people the VPN indicator must not flag alone.
			c.bills = append(c.bills, recurring{m: w.merchantFor(r, "vpn", ""), amount: pick(r, []int64{499, 899, 1199}), day: between(r, 1, 28)})
			p.usesVPN = true
		}
		if chance(r, 0.15) {
			c.bills = append(c.bills, recurring{m: w.merchantFor(r, "gym", p.country), amount: int64(between(r, 20, 60)) * 100, day: between(r, 1, 28)})
		}
	}
	w.customers = append(w.customers, p)
	w.people = append(w.people, p)
}

func rentRef(r *rand.Rand, cc string) string {
	switch cc {
	case "DE":
		return pick(r, []string{"Miete", "Miete Wohnung", "Kaltmiete + NK"})
	case "NL":
		return pick(r, []string{"Huur", "Huur woning", "Huurbetaling"})
	default:
		return pick(r, []string{"RENT", "Rent", "rent flat " + itoa(between(r, 1, 40)), "Rent - unit " + itoa(between(r, 1, 200))})
	}
}

// giveFamily gives a diaspora customer one or two relatives abroad, with the same surname, who
// collect remittances at a remitter.
func (w *world) giveFamily(p *person, origin string) {
	r := w.r
	for range between(r, 1, 2) {
		rel := w.newPerson(origin, countries[origin].culture, chance(r, 0.65), 18, 80)
		rel.last = p.last
		w.people = append(w.people, rel)
		pt := w.remitterAccount(rel, "msb")
		p.cust.family = append(p.cust.family, pt)
	}
	p.cust.remitDay = between(r, 1, 28)
	p.cust.remitAmount = int64(between(r, 8, 60)) * 1000
}

// remitters are the money service businesses and wallets payments abroad go through.
var remitters = []string{"GlobeRemit", "QuickSend"}

// wallets are the mobile-money wallets of each country: receiving on them needs only a phone.
var wallets = map[string]string{"PH": "PayPino", "TH": "SiamPay", "CO": "CoPago", "RO": "RoPay", "NG": "NairaSend",
	"GH": "MoMoGH", "IN": "IndiPay", "PL": "PolPay", "VN": "VinaWallet"}

// remitterAccount opens an account that collects payments for p: a remitter's customer number
// (channel msb) or a mobile wallet (channel p2p) keyed by p's phone.
func (w *world) remitterAccount(p *person, channel string) *party {
	pt := &party{name: p.name(), ptype: "person", country: p.country, person: p}
	if channel == "msb" {
		pt.bank = pick(w.r, remitters)
		pt.accountType = "remitter"
		pt.account = fmt.Sprintf("%s-%s-%08d", map[string]string{"GlobeRemit": "GR", "QuickSend": "QS"}[pt.bank], p.country, w.walletNums.next())
	} else {
		pt.bank = wallets[p.country]
		pt.accountType = "wallet"
		pt.account = fmt.Sprintf("W%s%08d", p.country, w.walletNums.next())
		pt.phone = p.phone.e164
	}
	p.wallets = append(p.wallets, pt)
	return pt
}

// makeFriends links a customer with a few customers of the same country.
func (w *world) makeFriends(p *person) {
	pool := w.byCountry[p.country]
	k := between(w.r, 2, 5)
	for range k {
		f := pick(w.r, pool)
		if f != p && !slices.Contains(p.cust.friends, f) {
			p.cust.friends = append(p.cust.friends, f)
		}
	}
}

// partiesIn returns the parties of a country, in creation order.
func partiesIn(all []*party, cc string) []*party {
	var out []*party
	for _, e := range all {
		if e.country == cc {
			out = append(out, e)
		}
	}
	return out
}

var companyWords1 = []string{"Harbour", "Brightwater", "Northgate", "Summit", "Bluebell", "Ironbark", "Riverside",
	"Granite", "Evergreen", "Kestrel", "Lakeside", "Oakridge", "Silverline", "Westfield", "Copperleaf", "Redwood",
	"Highland", "Meridian", "Pioneer", "Cobalt", "Falcon", "Juniper", "Beacon", "Sterling"}

var companyWords2 = []string{"Logistics", "Analytics", "Construction", "Health", "Foods", "Engineering",
	"Software", "Retail", "Consulting", "Manufacturing", "Media", "Energy", "Pharma", "Hospitality", "Freight",
	"Education", "Insurance", "Design", "Robotics", "Agri"}

var companySuffix = map[string][]string{
	"GB": {"Ltd", "plc", "Ltd"}, "AU": {"Pty Ltd"}, "US": {"Inc.", "LLC", "Corp."}, "CA": {"Inc.", "Ltd."},
	"DE": {"GmbH", "AG", "GmbH & Co. KG"}, "NL": {"B.V.", "N.V."}, "PH": {"Inc.", "Corp."}, "TH": {"Co., Ltd."},
	"CO": {"S.A.S."}, "RO": {"S.R.L."}, "NG": {"Ltd"}, "GH": {"Ltd"}, "PA": {"S.A."}, "CY": {"Ltd"}, "MT": {"Ltd"},
}

func (w *world) companyName(cc string) string {
	return pick(w.r, companyWords1) + " " + pick(w.r, companyWords2) + " " + pick(w.r, companySuffix[cc])
}

// companyParty is a company with an account: an IBAN where the country has them, else a
// partner-scoped account number.
func (w *world) companyParty(name, cc, bank string) *party {
	pt := &party{name: name, ptype: "company", country: cc, accountType: "bank", bank: bank}
	switch cc {
	case "GB", "DE", "NL":
		pt.iban = iban(w.r, cc)
	default:
		pt.account = fmt.Sprintf("%s%010d", cc, w.cardNums.next())
	}
	return pt
}

var otherBanks = map[string][]string{
	"GB": {"Northgate Bank", "Albion Savings"}, "AU": {"Southern Cross Bank", "Coral Mutual"},
	"US": {"Liberty National Bank", "Pacific Coast Credit Union"}, "CA": {"Maple Trust", "Prairie Bank"},
	"DE": {"Rheinische Volksbank", "Nordbank"}, "NL": {"Polderbank", "Grachten Spaarbank"},
}

func (w *world) buildCounterparties() {
	r := w.r
	for _, cc := range homeCountries {
		nEmp := 8 + 12*w.cfg.Scale*int(homeWeights[slices.Index(homeCountries, cc)]*100)/30
		for range nEmp {
			w.employers = append(w.employers, w.companyParty(w.companyName(cc), cc, pick(r, otherBanks[cc])))
		}
		for range 3 + 3*w.cfg.Scale {
			name := pick(r, []string{"Lettings", "Property Management", "Estates", "Homes", "Residential"})
			name = pick(r, companyWords1) + " " + name + " " + pick(r, companySuffix[cc])
			w.landlords = append(w.landlords, w.companyParty(name, cc, pick(r, otherBanks[cc])))
		}
		for range 2 {
			name := pick(r, companyWords1) + " " + pick(r, []string{"Home Loans", "Building Society", "Mortgage Bank"})
			w.lenders = append(w.lenders, w.companyParty(name, cc, pick(r, otherBanks[cc])))
		}
		gov := map[string]string{"GB": "DWP State Pension", "AU": "Services Australia", "US": "US Social Security Administration",
			"CA": "Service Canada CPP", "DE": "Deutsche Rentenversicherung", "NL": "Sociale Verzekeringsbank"}[cc]
		w.pension[cc] = w.companyParty(gov, cc, "central bank")
		ben := map[string]string{"GB": "DWP Universal Credit", "AU": "Services Australia JobSeeker", "US": "State Unemployment Insurance",
			"CA": "Service Canada EI", "DE": "Bundesagentur für Arbeit", "NL": "UWV Uitkering"}[cc]
		w.benefits[cc] = w.companyParty(ben, cc, "central bank")
	}
	w.employersBy, w.landlordsBy, w.lendersBy = map[string][]*party{}, map[string][]*party{}, map[string][]*party{}
	for _, cc := range homeCountries {
		w.employersBy[cc] = partiesIn(w.employers, cc)
		w.landlordsBy[cc] = partiesIn(w.landlords, cc)
		w.lendersBy[cc] = partiesIn(w.lenders, cc)
	}
}
