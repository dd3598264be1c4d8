package demo

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// ftmEntity is one FollowTheMoney entity. Properties is a map: encoding/json writes its keys
// sorted, so the output is stable.
type ftmEntity struct {
	ID         string              `json:"id"`
	Schema     string              `json:"schema"`
	Properties map[string][]string `json:"properties"`
}

// ftmRegistry builds the small company registry of the demo.
type ftmRegistry struct {
	w   *world
	r   *rand.Rand
	ids *uniqueNumbers
}

func (f *ftmRegistry) id(prefix string) string {
	return fmt.Sprintf("%s-%08d", prefix, f.ids.next())
}

func (f *ftmRegistry) add(schema, id string, props map[string][]string) string {
	for k, v := range props {
		if len(v) == 0 || len(v) == 1 && v[0] == "" {
			delete(props, k)
		}
	}
	f.w.ftm = append(f.w.ftm, ftmEntity{ID: id, Schema: schema, Properties: props})
	return id
}

func (f *ftmRegistry) company(name, cc, sector string, founded time.Time) string {
	return f.add("Company", f.id("co"), map[string][]string{
		"name": {name}, "country": {strings.ToLower(cc)}, "sector": {sector},
		"registrationNumber": {strings.ToUpper(cc) + itoa(between(f.r, 1_000_000, 9_999_999))},
		"incorporationDate":  {founded.Format(time.DateOnly)},
	})
}

// person records p as the registry writes them: the name as registered (sometimes another
// spelling), a birth date to the month, and contact details that may match what the bank or a
// platform holds.
func (f *ftmRegistry) person(p *person) string {
	r := f.r
	first, last := p.first, p.last
	if chance(r, 0.4) {
		first, last = variant(r, p.first, p.last)
	}
	props := map[string][]string{
		"name": {first + " " + last}, "firstName": {first}, "lastName": {last},
		"birthDate": {p.birth.Format("2006-01")}, "nationality": {strings.ToLower(p.country)},
		"country": {strings.ToLower(p.country)},
	}
	if p.email != "" && chance(r, 0.6) {
		props["email"] = []string{p.email}
		f.w.truthOf(p).Emails = appendNew(f.w.truthOf(p).Emails, p.email)
	}
	if chance(r, 0.5) {
		props["phone"] = []string{p.phone.e164}
		f.w.truthOf(p).Phones = appendNew(f.w.truthOf(p).Phones, p.phone.e164)
	}
	id := f.add("Person", f.id("pe"), props)
	f.w.truthOf(p).FtMIDs = append(f.w.truthOf(p).FtMIDs, id)
	f.w.truthOf(p).addName(first + " " + last)
	return id
}

func (f *ftmRegistry) directorship(person, company string, since time.Time) {
	f.add("Directorship", f.id("dir"), map[string][]string{
		"director": {person}, "organization": {company}, "role": {"Director"}, "startDate": {since.Format(time.DateOnly)},
	})
}

func (f *ftmRegistry) payment(payer, beneficiary string, amount int64, cur string, at time.Time, purpose string) string {
	return f.add("Payment", f.id("pay"), map[string][]string{
		"payer": {payer}, "beneficiary": {beneficiary}, "amount": {formatMinor(amount)}, "currency": {cur},
		"date": {at.Format(time.DateOnly)}, "purpose": {purpose},
	})
}

// buildFtM writes the registry: the merchants, remitters and employers as companies, some
// customers as their directors, and for each live-streaming network a buyer's consultancy
// paying a facilitator's "online services" company abroad.
func (w *world) buildFtM() {
	r := newRand(w.cfg.Seed, "ftm")
	f := &ftmRegistry{w: w, r: r, ids: newUniqueNumbers(r, 10_000_000, 99_999_999)}
	start := w.cfg.Start
	founded := func() time.Time { return start.AddDate(-between(r, 1, 40), -between(r, 0, 11), -between(r, 0, 27)) }
	seen := map[string]bool{} // lookup only
	for _, m := range w.merchants {
		if m.mcc == "6011" || seen[m.name+"/"+m.country] {
			continue
		}
		seen[m.name+"/"+m.country] = true
		m.ftm = f.company(m.name+" "+pick(r, companySuffix[m.country]), m.country, m.category, founded())
	}
	for _, rm := range []struct{ name, cc string }{{"GlobeRemit Ltd", "GB"}, {"QuickSend Money Transfer Inc.", "US"},
		{"PayPino Inc.", "PH"}, {"SiamPay Co., Ltd.", "TH"}, {"CoPago S.A.S.", "CO"}, {"RoPay S.R.L.", "RO"},
		{"NairaSend Ltd", "NG"}, {"MoMoGH Ltd", "GH"}} {
		f.company(rm.name, rm.cc, "money services", founded())
	}
	var companies []string
	var companyCur []string
	for _, e := range w.employers {
		id := f.company(e.name, e.country, pick(r, companyWords2), founded())
		companies = append(companies, id)
		companyCur = append(companyCur, countries[e.country].currency)
		if chance(r, 0.3) {
			d := w.pickDirector(r, e.country)
			if d != nil {
				f.directorship(f.person(d), id, start.AddDate(-between(r, 0, 15), -between(r, 0, 11), 0))
			}
		}
	}
	for range 10 * w.cfg.Scale {
		i, j := r.IntN(len(companies)), r.IntN(len(companies))
		if i == j || companyCur[i] != companyCur[j] {
			continue
		}
		f.payment(companies[i], companies[j], int64(between(r, 1000, 90000))*100, companyCur[i],
			start.AddDate(0, 0, between(r, 0, w.cfg.Days-1)), "invoice "+itoa(between(r, 1000, 99999)))
	}
	for _, n := range w.networks {
		if n.kind != kindLivestream || len(n.buyers) == 0 {
			continue
		}
		b := n.buyers[r.IntN(len(n.buyers))]
		bc := f.company(b.last+" Consulting "+pick(r, companySuffix[b.country]), b.country, "Consulting", start.AddDate(-between(r, 1, 6), 0, 0))
		bp := f.person(b)
		f.directorship(bp, bc, start.AddDate(-between(r, 1, 6), 0, 0))
		fac := n.facils[0]
		fc := f.company(fac.last+" Online Services "+pick(r, companySuffix[fac.country]), fac.country, "Business process outsourcing", start.AddDate(-between(r, 1, 3), 0, 0))
		fp := f.person(fac)
		f.add("Ownership", f.id("own"), map[string][]string{"owner": {fp}, "asset": {fc}, "percentage": {"100"}})
		for range between(r, 2, 4) {
			id := f.payment(bc, fc, int64(between(r, 300, 1500))*100, b.cust.currency, start.AddDate(0, 0, between(r, 0, w.cfg.Days-1)),
				pick(r, []string{"IT services", "virtual assistant services", "consulting fee", "content moderation"}))
			n.truth.FtMIDs = append(n.truth.FtMIDs, id)
		}
		n.truth.FtMIDs = append(n.truth.FtMIDs, bc, fc)
	}
	slices.SortFunc(w.ftm, func(a, b ftmEntity) int { return strings.Compare(a.ID, b.ID) })
}

// pickDirector picks an ordinary adult customer of a country to direct a company.
func (w *world) pickDirector(r *rand.Rand, cc string) *person {
	pool := w.byCountry[cc]
	for range 20 {
		p := pick(r, pool)
		if p.role == "" && p.age(w.cfg.Start) >= 30 && p.cust.employer != nil && p.cust.employer != w.pension[cc] && p.cust.employer != w.benefits[cc] {
			return p
		}
	}
	return nil
}

func (w *world) writeFtM(ctx context.Context, bw *bufio.Writer) (int, error) {
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, e := range w.ftm {
		if err := enc.Encode(e); err != nil {
			return 0, err
		}
	}
	return len(w.ftm), nil
}
