package demo

import (
	"fmt"
	"math/rand/v2"
)

// merchantKind is a category of card acceptor: its merchant category code, names, where it
// trades ("" for every home country, else the listed countries) and the usual amount range.
type merchantKind struct {
	category, mcc string
	names         []string
	countries     []string // nil: one per home country
	min, max      int
}

// merchantKinds is the demo's merchant catalogue. VPN, live-stream, gift-card and crypto
// merchants trade across borders; airlines, hotels and jewellers exist in the home countries
// and in the high-risk jurisdictions offenders travel to.
var merchantKinds = []merchantKind{
	{"grocery", "5411", []string{"FreshMart", "Greenleaf Grocers", "ValueFoods", "Corner Market"}, nil, 8, 160},
	{"restaurant", "5812", []string{"Bella Napoli", "The Golden Fork", "Spice Route", "Harbour Grill", "Sakura Sushi"}, nil, 12, 95},
	{"fastfood", "5814", []string{"Burger Barn", "Noodle Box", "Chicken Shack"}, nil, 6, 25},
	{"fuel", "5541", []string{"FuelUp", "Petrolia", "QuickFill"}, nil, 30, 110},
	{"pharmacy", "5912", []string{"HealthPlus Pharmacy", "CareChem"}, nil, 5, 60},
	{"clothing", "5651", []string{"Threads & Co", "StyleHub"}, nil, 20, 180},
	{"electronics", "5732", []string{"VoltTech", "GadgetWorld"}, nil, 30, 900},
	{"books", "5942", []string{"PageTurner Books"}, nil, 8, 45},
	{"transit", "4111", []string{"City Transit"}, nil, 3, 60},
	{"taxi", "4121", []string{"RideNow", "CabGo"}, nil, 8, 55},
	{"online", "5999", []string{"ShopSphere Online", "MegaMarket Online"}, nil, 10, 250},
	{"games", "5816", []string{"PlayVault Games"}, nil, 5, 70},
	{"telecom", "4814", []string{"Horizon Mobile", "Connectel"}, nil, 15, 85},
	{"streaming", "4899", []string{"StreamFlix", "TuneWave Music"}, nil, 8, 18},
	{"gym", "7997", []string{"FitLife Gym", "IronCore Fitness"}, nil, 20, 60},
	{"travelagency", "4722", []string{"GlobeTrek Travel"}, nil, 200, 2500},
	{"hotel", "7011", []string{"Grand Central Hotel"}, nil, 90, 600},
	{"vpn", "4816", []string{"NordSecure VPN", "HideMyPath VPN", "TunnelGuard"}, []string{"PA"}, 4, 12},
	{"livestream", "5815", []string{"CamLive Streams", "LiveLoop Cams", "StarShow Live"}, []string{"CY"}, 10, 100},
	{"giftcard", "5947", []string{"GiftCard Hub", "CardPoint Gifts"}, nil, 25, 200},
	{"crypto", "6051", []string{"CoinHarbor", "BitBridge Exchange"}, []string{"MT"}, 50, 500},
	{"airline", "4511", []string{"Manila Pacific Air"}, []string{"PH"}, 700, 1800},
	{"airline", "4511", []string{"Siam Skyways"}, []string{"TH"}, 700, 1800},
	{"airline", "4511", []string{"Andes Air"}, []string{"CO"}, 600, 1600},
	{"airline", "4511", []string{"Carpathia Air"}, []string{"RO"}, 150, 600},
	{"hotel", "7011", []string{"Makati Bay Hotel"}, []string{"PH"}, 60, 250},
	{"hotel", "7011", []string{"Pattaya Beach Resort"}, []string{"TH"}, 60, 250},
	{"hotel", "7011", []string{"Hotel Poblado Plaza"}, []string{"CO"}, 60, 250},
	{"hotel", "7011", []string{"Hotel Dacia"}, []string{"RO"}, 50, 180},
	{"jewellery", "5944", []string{"Manila Gold Jewellers"}, []string{"PH"}, 80, 600},
	{"jewellery", "5944", []string{"Siam Gems"}, []string{"TH"}, 80, 600},
}

// homeAirlines are the national carriers of the home countries.
var homeAirlines = map[string]string{"GB": "SkyWays Air", "AU": "Southern Cross Airlines", "US": "Liberty Air",
	"CA": "Maple Air", "DE": "Rheinflug", "NL": "Oranje Air"}

// airports maps cities to the airport a ticket reference names.
var airports = map[string]string{
	"Sydney": "SYD", "Melbourne": "MEL", "Brisbane": "BNE", "Perth": "PER", "Adelaide": "ADL", "Gold Coast": "OOL",
	"Canberra": "CBR", "London": "LHR", "Manchester": "MAN", "Birmingham": "BHX", "Leeds": "LBA", "Glasgow": "GLA",
	"Bristol": "BRS", "Liverpool": "LPL", "Cardiff": "CWL", "Nottingham": "EMA", "New York": "JFK", "Boston": "BOS",
	"Chicago": "ORD", "Houston": "IAH", "Denver": "DEN", "Phoenix": "PHX", "Los Angeles": "LAX", "San Diego": "SAN",
	"Seattle": "SEA", "Portland": "PDX", "Toronto": "YYZ", "Montreal": "YUL", "Ottawa": "YOW", "Calgary": "YYC",
	"Vancouver": "YVR", "Winnipeg": "YWG", "Berlin": "BER", "Hamburg": "HAM", "München": "MUC", "Köln": "CGN",
	"Frankfurt am Main": "FRA", "Stuttgart": "STR", "Leipzig": "LEJ", "Düsseldorf": "DUS", "Amsterdam": "AMS",
	"Rotterdam": "RTM", "Den Haag": "AMS", "Utrecht": "AMS", "Eindhoven": "EIN", "Groningen": "GRQ",
	"Manila": "MNL", "Quezon City": "MNL", "Cebu City": "CEB", "Davao City": "DVO", "Angeles City": "CRK",
	"Taguig": "MNL", "Cagayan de Oro": "CGY", "Bangkok": "BKK", "Pattaya": "UTP", "Chiang Mai": "CNX",
	"Udon Thani": "UTH", "Medellín": "MDE", "Bogotá": "BOG", "Cali": "CLO", "Cartagena": "CTG",
	"Barranquilla": "BAQ", "București": "OTP", "Cluj-Napoca": "CLJ", "Iași": "IAS", "Timișoara": "TSR",
	"Constanța": "CND",
}

// holidayAirports are where ordinary customers fly.
var holidayAirports = []string{"BCN", "LIS", "DPS", "NRT", "CDG", "FCO", "AKL", "SIN", "CUN", "HNL", "ATH", "DXB", "JFK", "LHR", "PMI"}

func (w *world) addMerchant(cat, mcc, name, cc string, min, max int) {
	m := &merchant{id: fmt.Sprintf("M%08d", w.acctNums.next()), name: name, mcc: mcc, country: cc, category: cat, min: min, max: max}
	w.merchants = append(w.merchants, m)
	w.byCategory[cat+"/"+cc] = append(w.byCategory[cat+"/"+cc], m)
	w.byCategory[cat] = append(w.byCategory[cat], m)
}

func (w *world) buildMerchants() {
	for _, k := range merchantKinds {
		ccs := k.countries
		if ccs == nil {
			ccs = homeCountries
		}
		for _, cc := range ccs {
			for _, n := range k.names {
				w.addMerchant(k.category, k.mcc, n, cc, k.min, k.max)
			}
		}
	}
	for _, cc := range homeCountries {
		w.addMerchant("airline", "4511", homeAirlines[cc], cc, 150, 1800)
		for _, c := range countries[cc].cities {
			w.addMerchant("atm", "6011", "ATM "+BankPartner+" "+c.name, cc, 20, 300)
		}
	}
	// Cash machines where offenders travel: withdrawals abroad are an indicator (D1.12).
	for _, cc := range []string{"PH", "TH", "CO", "RO"} {
		for _, c := range countries[cc].cities {
			w.addMerchant("atm-abroad", "6011", "ATM "+c.name, cc, 20, 300)
		}
	}
}

// merchantFor picks a merchant of a category in country cc, or anywhere when none trades there.
func (w *world) merchantFor(r *rand.Rand, cat, cc string) *merchant {
	if ms := w.byCategory[cat+"/"+cc]; len(ms) > 0 {
		return pick(r, ms)
	}
	return pick(r, w.byCategory[cat])
}

// atmFor is the bank's cash machine in a customer's city.
func (w *world) atmFor(p *person) *merchant {
	for _, m := range w.byCategory["atm/"+p.country] {
		if m.name == "ATM "+BankPartner+" "+p.city.name {
			return m
		}
	}
	return w.byCategory["atm/"+p.country][0]
}

// amountIn draws an amount in minor units within the merchant's range, with cents.
func (m *merchant) amountIn(r *rand.Rand) int64 {
	lo, hi := int64(m.min)*100, int64(m.max)*100
	// Lower amounts are more frequent.
	u := r.Float64()
	return lo + int64(u*u*float64(hi-lo))
}
