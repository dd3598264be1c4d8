package detect

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// cseWorld builds hand-made inputs: customers at home with their accounts, people abroad with
// theirs, and payments between them.
type cseWorld struct {
	in Input
	n  int
}

var cseStart = time.Date(2026, 2, 2, 12, 0, 0, 0, time.UTC) // a Monday, 12:00 UTC

func newCSEWorld() *cseWorld { return &cseWorld{in: Input{Accounts: map[string]*Account{}}} }

// person adds a person with one account: id "p:<name>", account "a:<name>".
func (w *cseWorld) person(name, surname, country string, born int) *cseWorld {
	h := &Party{ID: "p:" + name, Name: name + " " + surname, Surname: surname, Country: country, Person: true, Customer: true}
	if born > 0 {
		h.BirthDate = time.Date(born, 6, 1, 0, 0, 0, 0, time.UTC)
	}
	w.in.Accounts["a:"+name] = &Account{ID: "a:" + name, Type: "bank", Country: country, Holder: h}
	return w
}

// pay adds a payment of eur euros from one person's account to another's (or to a merchant
// "m:<name>") after the given hours.
func (w *cseWorld) pay(from, to string, eur float64, hours float64, opts ...func(*Tx)) *cseWorld {
	w.n++
	t := Tx{ID: fmt.Sprintf("t%03d", w.n), From: "a:" + from, To: "a:" + to, Amount: int64(eur * 100), Currency: "EUR",
		At: cseStart.Add(time.Duration(hours * float64(time.Hour))), Channel: "msb"}
	if a := w.in.Accounts["a:"+from]; a != nil {
		t.PayerCountry = a.Country
	}
	if a := w.in.Accounts["a:"+to]; a != nil {
		t.PayeeCountry = a.Country
	}
	for _, o := range opts {
		o(&t)
	}
	w.in.Txs = append(w.in.Txs, t)
	return w
}

func merchant(name, mcc, country string) func(*Tx) {
	return func(t *Tx) {
		t.To, t.ToMerchant, t.MerchantName, t.MCC, t.PayeeCountry, t.Channel = "m:"+name, true, name, mcc, country, "card"
	}
}
func channel(c string) func(*Tx)   { return func(t *Tx) { t.Channel = c } }
func reference(r string) func(*Tx) { return func(t *Tx) { t.Reference = r } }

// run returns the subjects of one rule's signals, sorted.
func (w *cseWorld) run(t *testing.T, rule string) []string {
	t.Helper()
	res := Detect(w.in, Default(), Options{Rules: []string{rule}})
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	var out []string
	for _, s := range res.Signals {
		if s.Summary == "" || s.Strength <= 0 || len(s.Evidence.Facts) == 0 {
			t.Errorf("%s: signal without summary, strength or facts: %+v", rule, s)
		}
		if !slices.Contains(out, s.Subject) {
			out = append(out, s.Subject)
		}
	}
	slices.Sort(out)
	return out
}

const day = 24.0

// buyer is a customer in AU paying several people in PH.
func buyer(n int, eur float64, gapDays float64, opts ...func(*Tx)) *cseWorld {
	w := newCSEWorld().person("bob", "Smith", "AU", 1970)
	for i := range 3 {
		w.person(fmt.Sprintf("r%d", i), []string{"Santos", "Reyes", "Cruz"}[i], "PH", 1998)
	}
	for i := range n {
		w.pay("bob", fmt.Sprintf("r%d", i%3), eur, float64(i)*gapDays*day, opts...)
	}
	return w
}

func TestCSERules(t *testing.T) {
	for _, tc := range []struct {
		name, rule string
		w          *cseWorld
		want       []string
	}{
		{"four small remittances to PH in 90 days", "hrj_remittance", buyer(4, 50, 20), []string{"p:bob"}},
		{"three are not enough", "hrj_remittance", buyer(3, 50, 20), nil},
		{"four, but spread over more than 90 days", "hrj_remittance", buyer(4, 50, 31), nil},
		{"four, but too large", "hrj_remittance", buyer(4, 900, 10), nil},
		{"to a domestic account is no remittance", "hrj_remittance",
			newCSEWorld().person("bob", "Smith", "AU", 1970).person("amy", "Lee", "AU", 1980).
				pay("bob", "amy", 50, 0).pay("bob", "amy", 50, 10*day).pay("bob", "amy", 50, 20*day).pay("bob", "amy", 50, 30*day), nil},

		{"two recipients with other surnames", "unrelated_recipients", buyer(2, 50, 10), []string{"p:bob"}},
		{"paying family with the same surname", "unrelated_recipients",
			newCSEWorld().person("bob", "Santos", "AU", 1970).person("mum", "Santos", "PH", 1950).person("sis", "Santos", "PH", 1985).
				pay("bob", "mum", 100, 0).pay("bob", "sis", 100, 5*day), nil},

		{"three senders abroad to one facilitator", "facilitator_fan_in",
			newCSEWorld().person("f", "Cruz", "PH", 1990).person("s1", "A", "AU", 1960).person("s2", "B", "US", 1965).person("s3", "C", "GB", 1970).
				pay("s1", "f", 40, 0).pay("s2", "f", 60, 5*day).pay("s3", "f", 30, 9*day), []string{"p:f"}},
		{"two senders", "facilitator_fan_in",
			newCSEWorld().person("f", "Cruz", "PH", 1990).person("s1", "A", "AU", 1960).person("s2", "B", "US", 1965).
				pay("s1", "f", 40, 0).pay("s2", "f", 60, 5*day).pay("s1", "f", 30, 9*day), nil},

		{"round amounts", "round_amount", buyer(4, 50, 10), []string{"p:bob"}},
		{"amounts with cents", "round_amount", buyer(4, 47.35, 10), nil},

		// 12:00 UTC is 23:00 in Sydney (AEDT) and 20:00 in Manila.
		{"sender's night, recipient's evening", "late_night", buyer(4, 47, 10), []string{"p:bob"}},
		{"in the sender's afternoon", "late_night", func() *cseWorld {
			w := buyer(0, 0, 0)
			for i := range 4 {
				w.pay("bob", "r0", 47, float64(i)*10*day-8) // 04:00 UTC: 15:00 Sydney
			}
			return w
		}(), nil},

		{"cover references", "cover_reference", buyer(3, 50, 10, reference("School Fees")), []string{"p:bob"}},
		{"one cover reference", "cover_reference", buyer(1, 50, 10, reference("school fees")), nil},
		{"a word inside another does not count", "cover_reference", buyer(3, 50, 10, reference("giftshop")), nil},

		{"a handle in the reference", "handle_reference", buyer(1, 50, 10, reference("for @maria_cute99")), []string{"p:bob"}},
		{"a snap: handle", "handle_reference", buyer(1, 50, 10, reference("snap: maria.x")), []string{"p:bob"}},
		{"an e-mail-less plain reference", "handle_reference", buyer(2, 50, 10, reference("rent march")), nil},

		{"escalating amounts and frequency", "escalation", func() *cseWorld {
			w := buyer(0, 0, 0)
			h := 0.0
			for i, gap := range []float64{20, 20, 20, 5, 3, 2} {
				h += gap * day
				w.pay("bob", "r0", []float64{20, 25, 30, 80, 120, 150}[i], h)
			}
			return w
		}(), []string{"p:bob"}},
		{"steady payments", "escalation", buyer(8, 50, 7), nil},

		{"an airline ticket to the country paid into", "travel",
			buyer(4, 50, 10).pay("bob", "", 900, 45*day, merchant("Manila Pacific Air", "4511", "PH")), []string{"p:bob"}},
		{"a ticket elsewhere", "travel",
			buyer(4, 50, 10).pay("bob", "", 900, 45*day, merchant("Alpine Air", "4511", "CH")), nil},
		{"a ticket long after", "travel",
			buyer(4, 50, 10).pay("bob", "", 900, 200*day, merchant("Manila Pacific Air", "4511", "PH")), nil},

		{"a VPN", "vpn", buyer(0, 0, 0).pay("bob", "", 9, 0, merchant("TunnelGuard VPN", "4816", "PA")), []string{"p:bob"}},
		{"a streaming service that is not a VPN", "vpn", buyer(0, 0, 0).pay("bob", "", 9, 0, merchant("Netflix", "4899", "NL")), nil},

		{"three live-stream purchases", "livestream_merchant", buyer(0, 0, 0).pay("bob", "", 30, 0, merchant("CamLive Streams", "5815", "CY")).
			pay("bob", "", 30, day, merchant("CamLive Streams", "5815", "CY")).pay("bob", "", 30, 2*day, merchant("LiveLoop Cams", "5815", "CY")), []string{"p:bob"}},
		{"two live-stream purchases", "livestream_merchant", buyer(0, 0, 0).pay("bob", "", 30, 0, merchant("CamLive Streams", "5815", "CY")).
			pay("bob", "", 30, day, merchant("CamLive Streams", "5815", "CY")), nil},

		{"weekly micro-payments", "micro_subscription", func() *cseWorld {
			w := buyer(0, 0, 0)
			for i := range 5 {
				w.pay("bob", "r1", 8, float64(i)*7*day+float64(i%2))
			}
			return w
		}(), []string{"p:bob"}},
		{"irregular micro-payments", "micro_subscription", func() *cseWorld {
			w := buyer(0, 0, 0)
			for _, d := range []float64{0, 2, 15, 16, 40} {
				w.pay("bob", "r1", 8, d*day)
			}
			return w
		}(), nil},

		{"a mule forwarding abroad within a day", "mule_forwarding",
			newCSEWorld().person("m", "Doe", "GB", 1999).person("v1", "A", "GB", 2009).person("v2", "B", "GB", 2008).person("x", "O", "NG", 1995).
				pay("v1", "m", 100, 0, channel("p2p")).pay("m", "x", 90, 5).pay("v2", "m", 200, 50, channel("p2p")).pay("m", "x", 180, 60),
			[]string{"p:m"}},
		{"forwarding after two days", "mule_forwarding",
			newCSEWorld().person("m", "Doe", "GB", 1999).person("v1", "A", "GB", 2009).person("v2", "B", "GB", 2008).person("x", "O", "NG", 1995).
				pay("v1", "m", 100, 0, channel("p2p")).pay("m", "x", 90, 50).pay("v2", "m", 200, 100, channel("p2p")).pay("m", "x", 180, 150),
			nil},

		{"a 15-year-old paying a new foreign counterparty three times in a day", "sextortion_burst",
			newCSEWorld().person("kid", "Lee", "US", 2011).person("x", "O", "NG", 1995).
				pay("kid", "x", 50, 0, channel("p2p")).pay("kid", "x", 80, 3, channel("p2p")).pay("kid", "x", 120, 9, channel("p2p")),
			[]string{"p:kid"}},
		{"an adult doing the same", "sextortion_burst",
			newCSEWorld().person("dad", "Lee", "US", 1975).person("x", "O", "NG", 1995).
				pay("dad", "x", 50, 0, channel("p2p")).pay("dad", "x", 80, 3, channel("p2p")).pay("dad", "x", 120, 9, channel("p2p")),
			nil},
		{"a teenager paying an old friend", "sextortion_burst",
			newCSEWorld().person("kid", "Lee", "US", 2011).person("x", "O", "NG", 1995).
				pay("kid", "x", 10, -30*day, channel("p2p")).
				pay("kid", "x", 50, 0, channel("p2p")).pay("kid", "x", 80, 3, channel("p2p")).pay("kid", "x", 120, 9, channel("p2p")),
			nil},

		{"a gift card, then a new counterparty", "gift_card",
			newCSEWorld().person("kid", "Lee", "US", 2011).person("x", "O", "NG", 1995).
				pay("kid", "", 50, 0, merchant("GiftCard Hub", "5947", "US")).pay("kid", "x", 50, 2, channel("p2p")),
			[]string{"p:kid"}},
		{"a gift card and nothing after", "gift_card",
			newCSEWorld().person("kid", "Lee", "US", 2011).pay("kid", "", 50, 0, merchant("GiftCard Hub", "5947", "US")), nil},

		{"a mule paid by two teenagers", "young_payers_to_mule",
			newCSEWorld().person("m", "Doe", "GB", 1999).person("v1", "A", "GB", 2009).person("v2", "B", "GB", 2008).
				pay("v1", "m", 100, 0, channel("p2p")).pay("v2", "m", 200, 50, channel("p2p")), []string{"p:m"}},
		{"paid by two adults", "young_payers_to_mule",
			newCSEWorld().person("m", "Doe", "GB", 1999).person("v1", "A", "GB", 1970).person("v2", "B", "GB", 1980).
				pay("v1", "m", 100, 0, channel("p2p")).pay("v2", "m", 200, 50, channel("p2p")), nil},

		{"three small P2P transfers abroad in a week", "sextortion_foreign_p2p",
			newCSEWorld().person("kid", "Lee", "US", 2011).person("x", "O", "NG", 1995).
				pay("kid", "x", 50, 0, channel("p2p")).pay("kid", "x", 80, 30, channel("p2p")).pay("kid", "x", 120, 100, channel("p2p")),
			[]string{"p:kid"}},
		{"by bank transfer", "sextortion_foreign_p2p",
			newCSEWorld().person("kid", "Lee", "US", 2011).person("x", "O", "NG", 1995).
				pay("kid", "x", 50, 0, channel("bank_transfer")).pay("kid", "x", 80, 30, channel("bank_transfer")).pay("kid", "x", 120, 100, channel("bank_transfer")),
			nil},
	} {
		t.Run(tc.rule+"/"+tc.name, func(t *testing.T) {
			if got := tc.w.run(t, tc.rule); !slices.Equal(got, tc.want) {
				t.Fatalf("subjects %v, want %v", got, tc.want)
			}
		})
	}
}

// TestFamilyRemitterDoesNotAlert: a customer sending regular, round amounts home to relatives
// with the same surname, with "family support" in the reference, shows several weak indicators
// and must not get an alert.
func TestFamilyRemitterDoesNotAlert(t *testing.T) {
	w := newCSEWorld().person("ana", "Reyes", "AU", 1980).person("mum", "Reyes", "PH", 1955)
	for i := range 12 {
		w.pay("ana", "mum", 200, float64(i)*14*day-3, reference("family support"))
	}
	res := Detect(w.in, Default(), Options{})
	sc := res.ScoreOf("p:ana")
	if sc == nil || len(sc.Breakdown) < 2 {
		t.Fatalf("the family remitter should show weak indicators: %+v", sc)
	}
	if sc.Alert {
		t.Fatalf("family remitter alerted: %+v", sc)
	}
}

// TestBuyerAlerts: the pattern of D1 together (remittances to several unrelated people at
// night, cover references, a handle) raises an alert with the breakdown naming each.
func TestBuyerAlerts(t *testing.T) {
	w := buyer(6, 40, 10, reference("school fees"))
	w.pay("bob", "r1", 30, 65*day, reference("@maria_cute99"))
	res := Detect(w.in, Default(), Options{})
	sc := res.ScoreOf("p:bob")
	if sc == nil || !sc.Alert {
		t.Fatalf("buyer: %+v", sc)
	}
	var rules []string
	for _, c := range sc.Breakdown {
		rules = append(rules, c.Rule)
	}
	for _, want := range []string{"hrj_remittance", "unrelated_recipients", "handle_reference", "cover_reference"} {
		if !slices.Contains(rules, want) {
			t.Errorf("breakdown %v lacks %s", rules, want)
		}
	}
}
