package graph_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/graphtest"
	"github.com/crosslink/crosslink/graph/resolve"
)

// resWorld is the data of the resolution tests, every id under one prefix. Resolve reads every
// record of the database, so the tests assert on these records only, whatever else is there.
//
//   - alice: a bank customer and a platform account with one e-mail and the same name.
//   - bruno: a bank customer whose account uses a phone, a hotline person with that phone, name
//     and birth date who has a platform account, and that account, sharing an e-mail with the
//     customer: one entity of three.
//   - chiara: a bank customer alone at first; her platform account comes later.
//   - daniel: a bank customer and a platform account with nothing in common.
//   - the Novaks: four people of one family with different given names sharing an e-mail.
//   - two John Smiths with different birth dates and no identifier in common.
//   - the Weber twins: surname, birth date, address and e-mail shared, given names differ.
//   - 300 platform accounts behind one carrier-grade NAT address.
//   - a company, to judge a person against.
type resWorld struct {
	p                             string
	bank, plat, hot               graph.Source
	bankAlice, uaAlice            string
	bankBruno, hotBruno, uaBruno  string
	bankChiara, uaChiara          string
	bankDaniel, uaDaniel          string
	novaks, smiths, webers, cgnat []string
	company                       string
	chiaraEmail                   string
	extraIDs                      []string // identifier nodes whose ids do not hold the prefix
	runs                          []string // ResolutionRun ids to delete
	mu                            sync.Mutex
	model                         resolve.Model
}

func newResWorld(t *testing.T, s *graph.Store) *resWorld {
	t.Helper()
	ctx := context.Background()
	p := graphtest.Prefix(t)
	w := &resWorld{p: p, model: resolve.DefaultModel(),
		bank: graph.Source{Partner: p + "-bank", Dataset: "customers", File: "c.csv"},
		plat: graph.Source{Partner: p + "-snap", Dataset: "accounts", File: "a.csv"},
		hot:  graph.Source{Partner: p + "-hot", Dataset: "reports", File: "r.xml"},
	}
	t.Cleanup(func() {
		query(t, s, `MATCH (n:Entity)-[:RESOLVED_TO]->(e:ResolvedEntity) WHERE n.id CONTAINS $p DETACH DELETE e`, map[string]any{"p": p})
		query(t, s, `MATCH (j:Judgement) WHERE j.a CONTAINS $p OR j.b CONTAINS $p DELETE j`, map[string]any{"p": p})
		query(t, s, `MATCH (r:ResolutionRun) WHERE r.id IN $runs DELETE r`, map[string]any{"runs": w.runs})
		query(t, s, `MATCH (n:Entity) WHERE n.id CONTAINS $p OR n.id IN $ids DETACH DELETE n`, map[string]any{"p": p, "ids": w.extraIDs})
		query(t, s, `MATCH (n:Source) WHERE n.partner STARTS WITH $p DETACH DELETE n`, map[string]any{"p": p})
	})
	n, err := strconv.ParseUint(p[1:], 16, 64)
	if err != nil {
		t.Fatal(err)
	}
	phone := func(i uint64) string {
		d := fmt.Sprintf("%07d", (n+i*7919)%10000000)
		e164, err := graph.NormalizePhone("+63 917 "+d[:3]+" "+d[3:], "")
		if err != nil {
			t.Fatal(err)
		}
		w.extraIDs = append(w.extraIDs, graph.PhoneID(e164))
		return graph.PhoneID(e164)
	}
	ref := graph.Ref{Line: 1}
	var bank, plat, hot graph.Batch
	person := func(b *graph.Batch, partner, key string, props map[string]any) string {
		id := graph.PartyID(graph.LabelPerson, partner, key)
		b.Nodes = append(b.Nodes, graph.Node{Label: graph.LabelPerson, ID: id, Props: props, Ref: ref})
		return id
	}
	account := func(b *graph.Batch, service, platformID string, props map[string]any) string {
		id := graph.UserAccountID(service, platformID)
		props["service"], props["platformId"] = service, platformID
		b.Nodes = append(b.Nodes, graph.Node{Label: graph.LabelUserAccount, ID: id, Props: props, Ref: ref})
		return id
	}
	email := func(b *graph.Batch, from, local string) string {
		id := graph.EmailID(p + local + "@example.com")
		b.Nodes = append(b.Nodes, graph.Node{Label: graph.LabelEmail, ID: id, Props: map[string]any{"address": p + local + "@example.com"}, Ref: ref})
		b.Edges = append(b.Edges, graph.Edge{Type: graph.RelUsesEmail, From: from, To: id, Ref: ref})
		return id
	}
	edge := func(b *graph.Batch, typ graph.RelType, from, to string) {
		b.Edges = append(b.Edges, graph.Edge{Type: typ, From: from, To: to, Ref: ref})
	}
	node := func(b *graph.Batch, l graph.Label, id string, props map[string]any) {
		b.Nodes = append(b.Nodes, graph.Node{Label: l, ID: id, Props: props, Ref: ref})
	}
	svc := p + "-snap"

	// alice
	w.bankAlice = person(&bank, w.bank.Partner, "c1", map[string]any{"name": "Alice Marchetti", "birthDate": "1990-04-12", "country": "IT"})
	w.uaAlice = account(&plat, svc, "u1", map[string]any{"username": "alice_m90", "displayName": "Alice Marchetti", "country": "IT"})
	email(&bank, w.bankAlice, "alice.marchetti")
	email(&plat, w.uaAlice, "alice.marchetti")

	// bruno
	w.bankBruno = person(&bank, w.bank.Partner, "c2", map[string]any{"name": "Bruno Keller", "birthDate": "1979-11-03", "country": "CH"})
	acct := graph.AccountID(w.bank.Partner, "A-2")
	node(&bank, graph.LabelBankAccount, acct, map[string]any{"accountNumber": "A-2"})
	edge(&bank, graph.RelHolds, w.bankBruno, acct)
	ph := phone(1)
	node(&bank, graph.LabelPhone, ph, map[string]any{"number": strings.TrimPrefix(ph, "phone:")})
	edge(&bank, graph.RelUsesPhone, acct, ph)
	email(&bank, w.bankBruno, "bk79")
	w.uaBruno = account(&plat, svc, "u2", map[string]any{"username": "bk_79", "displayName": "Bruno Keller"})
	email(&plat, w.uaBruno, "bk79")
	w.hotBruno = person(&hot, w.hot.Partner, "r1:subject", map[string]any{"name": "Bruno Keller", "firstName": "Bruno", "lastName": "Keller", "birthDate": "1979-11-03"})
	node(&hot, graph.LabelPhone, ph, map[string]any{"number": strings.TrimPrefix(ph, "phone:")})
	edge(&hot, graph.RelUsesPhone, w.hotBruno, ph)
	node(&hot, graph.LabelUserAccount, w.uaBruno, map[string]any{"service": svc, "platformId": "u2"})
	edge(&hot, graph.RelHasUserAccount, w.hotBruno, w.uaBruno)

	// chiara (her account comes later)
	w.bankChiara = person(&bank, w.bank.Partner, "c3", map[string]any{"name": "Chiara Bellini", "birthDate": "1985-02-20", "country": "IT"})
	w.chiaraEmail = email(&bank, w.bankChiara, "chiara.b")
	w.uaChiara = graph.UserAccountID(svc, "u3")

	// daniel
	w.bankDaniel = person(&bank, w.bank.Partner, "c4", map[string]any{"name": "Daniel Okafor", "birthDate": "1992-07-07", "country": "NG"})
	w.uaDaniel = account(&plat, svc, "u4", map[string]any{"username": "dk_77", "displayName": "DK"})

	// the Novaks
	for i, given := range []string{"Emma", "Lukas", "Sofia", "Peter"} {
		id := person(&bank, w.bank.Partner, fmt.Sprintf("n%d", i), map[string]any{"name": given + " Novak", "birthDate": fmt.Sprintf("%d-03-0%d", 1970+i*9, i+1), "country": "CZ"})
		email(&bank, id, "novak.family")
		w.novaks = append(w.novaks, id)
	}
	// two John Smiths
	w.smiths = []string{
		person(&bank, w.bank.Partner, "s1", map[string]any{"name": "John Smith", "birthDate": "1975-01-01", "country": "GB"}),
		person(&hot, w.hot.Partner, "r2:subject", map[string]any{"name": "John Smith", "firstName": "John", "lastName": "Smith", "birthDate": "1982-09-30"}),
	}
	// the Weber twins
	addr := graph.AddressID("12 Lindenstrasse, Berlin, 10115", "DE")
	w.extraIDs = append(w.extraIDs, addr)
	node(&bank, graph.LabelAddress, addr, map[string]any{"street": "12 Lindenstrasse", "city": "Berlin", "postalCode": "10115", "country": "DE", "full": "12 Lindenstrasse, Berlin, 10115"})
	for i, given := range []string{"Mark", "Paul"} {
		id := person(&bank, w.bank.Partner, fmt.Sprintf("w%d", i), map[string]any{"name": given + " Weber", "birthDate": "1988-06-15", "country": "DE", "gender": "male"})
		email(&bank, id, "weber.home")
		edge(&bank, graph.RelHasAddress, id, addr)
		w.webers = append(w.webers, id)
	}
	// carrier-grade NAT: 300 accounts, no two with the same name, one address
	ip, err := graph.NormalizeIP(fmt.Sprintf("100.64.%d.%d", n%250, (n/250)%250))
	if err != nil {
		t.Fatal(err)
	}
	w.extraIDs = append(w.extraIDs, graph.IPID(ip))
	node(&plat, graph.LabelIPAddress, graph.IPID(ip), map[string]any{"address": ip})
	givens := []string{"Anna", "Ben", "Carla", "David", "Elif", "Farid", "Greta", "Hugo", "Ines", "Jonas",
		"Kira", "Leon", "Maya", "Nico", "Olga", "Pavel", "Rosa", "Samir", "Tara", "Viktor"}
	surnames := []string{"Andersson", "Brennan", "Castillo", "Dimitrov", "Eriksen", "Fontaine", "Gallagher", "Horvath",
		"Ivanova", "Jablonski", "Kowalczyk", "Lindqvist", "Moreau", "Nakamura", "Okonkwo"}
	for i := range 300 {
		id := account(&plat, svc, fmt.Sprintf("cg%03d", i), map[string]any{"username": fmt.Sprintf("cg_%03d", i),
			"displayName": givens[i%len(givens)] + " " + surnames[i/len(givens)], "country": "PH"})
		plat.Edges = append(plat.Edges, graph.Edge{Type: graph.RelLoggedInFrom, From: id, To: graph.IPID(ip), Key: "login",
			Props: map[string]any{"event": "login", "at": time.Date(2025, 1, 1, 8, 0, 0, 0, time.UTC)}, Ref: ref})
		w.cgnat = append(w.cgnat, id)
	}
	// a company
	w.company = graph.PartyID(graph.LabelCompany, w.bank.Partner, "co1")
	node(&bank, graph.LabelCompany, w.company, map[string]any{"name": "Novak Holdings GmbH", "country": "CZ"})

	for _, b := range []struct {
		src graph.Source
		b   graph.Batch
	}{{w.bank, bank}, {w.plat, plat}, {w.hot, hot}} {
		if _, err := s.WriteBatch(ctx, b.src, b.b); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// config is the engine's configuration in the tests: the default model, so that scores do not
// depend on whatever else the database holds.
func (w *resWorld) config() resolve.Config { return resolve.Config{Model: &w.model} }

// track remembers a run to delete at the end.
func (w *resWorld) track(rep graph.ResolveReport) graph.ResolveReport {
	w.mu.Lock()
	defer w.mu.Unlock()
	if rep.RunID != "" {
		w.runs = append(w.runs, rep.RunID)
	}
	return rep
}

func (w *resWorld) resolve(t *testing.T, s *graph.Store, full bool, also ...string) graph.ResolveReport {
	t.Helper()
	rep, err := s.Resolve(context.Background(), graph.ResolveOptions{Full: full, Config: w.config(), By: "test", Also: also})
	w.track(rep)
	if err != nil {
		t.Fatalf("Resolve(full %t): %v", full, err)
	}
	t.Logf("run %s (%s): %+v", rep.RunID, rep.Mode, rep)
	return rep
}

// entityOf is the id of the resolved entity of a record, "" for none.
func entityOf(t *testing.T, s *graph.Store, id string) string {
	t.Helper()
	v, err := s.ResolvedEntityOf(context.Background(), id)
	if err != nil {
		t.Fatalf("ResolvedEntityOf(%s): %v", id, err)
	}
	if v == nil {
		return ""
	}
	return v.ID
}

// match is the stored pair of a and b, nil for none.
func match(t *testing.T, s *graph.Store, a, b string) *graph.MatchView {
	t.Helper()
	ms, err := s.Matches(context.Background(), a)
	if err != nil {
		t.Fatalf("Matches(%s): %v", a, err)
	}
	for _, m := range ms {
		if (m.A == a && m.B == b) || (m.A == b && m.B == a) {
			return &m
		}
	}
	return nil
}

// together fails t unless the records are exactly the members of one resolved entity.
func together(t *testing.T, s *graph.Store, ids ...string) *graph.ResolvedEntityView {
	t.Helper()
	v, err := s.ResolvedEntityOf(context.Background(), ids[0])
	if err != nil {
		t.Fatalf("ResolvedEntityOf(%s): %v", ids[0], err)
	}
	if v == nil {
		t.Fatalf("%s is in no resolved entity; want one with %v", ids[0], ids)
	}
	got := sortedIDs(v.Members)
	want := sortStrings(slices.Clone(ids))
	if !slices.Equal(got, want) || v.Size != len(ids) {
		t.Fatalf("resolved entity %s has members %v (size %d), want %v", v.ID, got, v.Size, want)
	}
	return v
}

// apart fails t if any two of the records are in one resolved entity.
func apart(t *testing.T, s *graph.Store, ids ...string) {
	t.Helper()
	seen := map[string]string{}
	for _, id := range ids {
		e := entityOf(t, s, id)
		if e == "" {
			continue
		}
		if other, ok := seen[e]; ok {
			t.Errorf("%s and %s are both in resolved entity %s", other, id, e)
		}
		seen[e] = id
	}
}

// notLinked fails t if the pairs among ids are LINKED.
func notLinked(t *testing.T, s *graph.Store, ids ...string) {
	t.Helper()
	for i, a := range ids {
		for _, b := range ids[i+1:] {
			if m := match(t, s, a, b); m != nil {
				t.Logf("%s ~ %s: %s %.3f %s", a, b, m.Status, m.Probability, m.Reason)
				if m.Status == resolve.Linked {
					t.Errorf("%s and %s are LINKED (probability %.3f): %+v", a, b, m.Probability, m.Evidence)
				}
			}
		}
	}
}

// ourState is what the runs stored on the world's records: MATCHES and RESOLVED_TO with the
// run that wrote them, and fingerprints.
func (w *resWorld) ourState(t *testing.T, s *graph.Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, r := range query(t, s, `MATCH (a:Entity)-[m:MATCHES]->(b) WHERE a.id CONTAINS $p
RETURN 'MATCHES ' + a.id + ' ' + b.id AS k, m.runId + ' ' + m.status + ' ' + toString(m.probability) AS v
UNION ALL
MATCH (n:Entity)-[r:RESOLVED_TO]->(e) WHERE n.id CONTAINS $p
RETURN 'RESOLVED_TO ' + n.id AS k, r.runId + ' ' + e.id + ' ' + e.runId AS v
UNION ALL
MATCH (n:Entity) WHERE n.id CONTAINS $p AND n.resolveFingerprint IS NOT NULL
RETURN 'FP ' + n.id AS k, n.resolveFingerprint AS v`, map[string]any{"p": w.p}) {
		k, _ := r.Get("k")
		v, _ := r.Get("v")
		out[k.(string)] = v.(string)
	}
	return out
}

func TestResolution(t *testing.T) {
	s := graphtest.Open(t)
	ctx := context.Background()
	w := newResWorld(t, s)

	first := w.resolve(t, s, true)
	if first.Mode != graph.ResolveModeFull || first.Stats.Records < 300 || first.Started.IsZero() || first.Finished.Before(first.Started) {
		t.Errorf("first run report: %+v", first)
	}

	t.Run("a bank customer and a platform account with one e-mail are one entity", func(t *testing.T) {
		v := together(t, s, w.bankAlice, w.uaAlice)
		if v.Kind != resolve.KindPerson || v.Name != "Alice Marchetti" || v.UpdatedAt.IsZero() {
			t.Errorf("entity: kind %q, name %q, updated %v", v.Kind, v.Name, v.UpdatedAt)
		}
		if v.ID != resolve.ClusterID(min(w.bankAlice, w.uaAlice)) {
			t.Errorf("entity id %s, want ClusterID of the smallest member", v.ID)
		}
		if len(v.Links) != 1 || v.Links[0].Status != resolve.Linked {
			t.Fatalf("links: %+v", v.Links)
		}
		l := v.Links[0]
		if l.A != min(w.bankAlice, w.uaAlice) || l.B != max(w.bankAlice, w.uaAlice) || l.Probability < 0.95 || l.ScoredAt.IsZero() || l.Judgement != nil {
			t.Errorf("link: %+v", l)
		}
		if !slices.ContainsFunc(l.Evidence, func(e resolve.Evidence) bool { return e.Field == "email" && e.Level == "exact" && e.Weight > 0 }) {
			t.Errorf("evidence lacks the e-mail: %+v", l.Evidence)
		}
		for _, m := range v.Members {
			if _, ok := m.Props["resolveFingerprint"]; ok || m.Label == "" {
				t.Errorf("member %+v", m)
			}
		}
		got, err := s.ResolvedEntity(ctx, v.ID)
		if err != nil || got.ID != v.ID || len(got.Members) != 2 {
			t.Errorf("ResolvedEntity(%s) = %+v, %v", v.ID, got, err)
		}
	})

	t.Run("identifiers of held accounts and platform accounts link", func(t *testing.T) {
		v := together(t, s, w.bankBruno, w.hotBruno, w.uaBruno)
		if v.Name != "Bruno Keller" {
			t.Errorf("name %q", v.Name)
		}
		m := match(t, s, w.bankBruno, w.hotBruno)
		if m == nil || !slices.ContainsFunc(m.Evidence, func(e resolve.Evidence) bool { return e.Field == "phone" && e.Level == "exact" }) {
			t.Errorf("bank and hotline Bruno: %+v, want the account's phone as evidence", m)
		}
		m = match(t, s, w.hotBruno, w.uaBruno)
		if m == nil || !slices.ContainsFunc(m.Evidence, func(e resolve.Evidence) bool { return e.Field == "platform_account" && e.Level == "exact" }) {
			t.Errorf("hotline Bruno and his account: %+v, want the platform account as evidence", m)
		}
	})

	t.Run("adversarial: a family e-mail does not make one person", func(t *testing.T) {
		apart(t, s, w.novaks...)
		notLinked(t, s, w.novaks...)
	})
	t.Run("adversarial: two John Smiths born on different days stay apart", func(t *testing.T) {
		apart(t, s, w.smiths...)
		notLinked(t, s, w.smiths...)
	})
	t.Run("adversarial: twins are at most for review", func(t *testing.T) {
		apart(t, s, w.webers...)
		notLinked(t, s, w.webers...)
	})
	t.Run("adversarial: 300 accounts behind one CGNAT address stay apart", func(t *testing.T) {
		recs := query(t, s, `MATCH (n:UserAccount)-[:RESOLVED_TO]->() WHERE n.id IN $ids RETURN count(*) AS n`, map[string]any{"ids": w.cgnat})
		if n := one[int64](t, recs, "n"); n != 0 {
			t.Errorf("%d of the CGNAT accounts are in resolved entities, want 0", n)
		}
		recs = query(t, s, `MATCH (a:UserAccount)-[m:MATCHES]->(b) WHERE a.id IN $ids AND m.status = 'LINKED' RETURN count(*) AS n`, map[string]any{"ids": w.cgnat})
		if n := one[int64](t, recs, "n"); n != 0 {
			t.Errorf("%d LINKED pairs among the CGNAT accounts, want 0", n)
		}
	})

	t.Run("a second run changes nothing", func(t *testing.T) {
		before := w.ourState(t, s)
		if len(before) == 0 {
			t.Fatal("nothing stored on the world's records")
		}
		for _, full := range []bool{true, false} {
			// Other tests may write to the database meanwhile, and a run resolves their
			// records too: a run right after a run must write nothing, and the world's records
			// must never change.
			for try := 1; ; try++ {
				rep := w.resolve(t, s, full)
				if after := w.ourState(t, s); !maps.Equal(before, after) {
					t.Fatalf("run again (full %t) changed the world's records:\nbefore %v\nafter  %v", full, before, after)
				}
				if rep.PairsWritten+rep.PairsRemoved+rep.MembershipsChanged+rep.EntitiesWritten+rep.EntitiesRemoved == 0 {
					break
				}
				if try == 3 {
					t.Fatalf("run again (full %t) wrote, %d times in a row: %+v", full, try, rep)
				}
				t.Logf("run again (full %t) wrote (other data changed?), trying again: %+v", full, rep)
			}
		}
	})

	t.Run("incremental: a new record is resolved alone", func(t *testing.T) {
		if e := entityOf(t, s, w.bankChiara); e != "" {
			t.Fatalf("Chiara is in %s before her account exists", e)
		}
		before := w.ourState(t, s)
		b := graph.Batch{
			Nodes: []graph.Node{{Label: graph.LabelUserAccount, ID: w.uaChiara, Ref: graph.Ref{Line: 9},
				Props: map[string]any{"service": w.p + "-snap", "platformId": "u3", "username": "chiara85", "displayName": "Chiara Bellini", "country": "IT"}}},
			Edges: []graph.Edge{{Type: graph.RelUsesEmail, From: w.uaChiara, To: w.chiaraEmail, Ref: graph.Ref{Line: 9}}},
		}
		if _, err := s.WriteBatch(ctx, w.plat, b); err != nil {
			t.Fatal(err)
		}
		rep := w.resolve(t, s, false)
		if rep.Mode != graph.ResolveModeIncremental || rep.Stats.Pending < 1 || rep.Stats.Pending >= rep.Stats.Records {
			t.Errorf("report: %+v, want an incremental run with few pending", rep)
		}
		if rep.PairsWritten < 1 || rep.MembershipsChanged < 2 || rep.EntitiesWritten < 1 {
			t.Errorf("report: %+v, want the new pair, entity and two memberships", rep)
		}
		together(t, s, w.bankChiara, w.uaChiara)
		after := w.ourState(t, s)
		for k, v := range before {
			if after[k] != v {
				t.Errorf("%s changed from %q to %q: only the new record was pending", k, v, after[k])
			}
		}
		if m := match(t, s, w.bankChiara, w.uaChiara); m == nil || m.Status != resolve.Linked {
			t.Errorf("Chiara's pair: %+v", m)
		}
	})

	t.Run("judge DIFFERENT splits, a full run respects it, retracting restores", func(t *testing.T) {
		j, rep, err := s.Judge(ctx, w.uaAlice, w.bankAlice, resolve.Different, "analyst-1", "two people")
		w.track(rep)
		if err != nil {
			t.Fatal(err)
		}
		if j.A != min(w.bankAlice, w.uaAlice) || j.B != max(w.bankAlice, w.uaAlice) || j.Verdict != resolve.Different ||
			j.By != "analyst-1" || j.Note != "two people" || j.ID == "" || j.At.IsZero() {
			t.Errorf("judgement: %+v", j)
		}
		if rep.MembershipsChanged < 2 || rep.EntitiesRemoved < 1 { // at least (other tests' data may be pending too)
			t.Errorf("report: %+v, want both memberships and the entity gone", rep)
		}
		check := func(when string) {
			t.Helper()
			if e := entityOf(t, s, w.bankAlice); e != "" {
				t.Errorf("%s: Alice's customer is in %s", when, e)
			}
			if e := entityOf(t, s, w.uaAlice); e != "" {
				t.Errorf("%s: Alice's account is in %s", when, e)
			}
			m := match(t, s, w.bankAlice, w.uaAlice)
			if m == nil || m.Status != resolve.Rejected || m.Judgement == nil || m.Judgement.ID != j.ID {
				t.Errorf("%s: pair %+v, want REJECTED with the judgement", when, m)
			}
		}
		check("after the judgement")
		w.resolve(t, s, true)
		check("after a full run")

		r, rep, err := s.RetractJudgement(ctx, w.bankAlice, w.uaAlice, "analyst-2")
		w.track(rep)
		if err != nil {
			t.Fatal(err)
		}
		if r.Verdict != graph.VerdictRetracted || r.By != "analyst-2" {
			t.Errorf("retraction: %+v", r)
		}
		together(t, s, w.bankAlice, w.uaAlice)
		if m := match(t, s, w.bankAlice, w.uaAlice); m == nil || m.Status != resolve.Linked || m.Judgement != nil {
			t.Errorf("pair after the retraction: %+v", m)
		}
		if _, _, err := s.RetractJudgement(ctx, w.bankAlice, w.uaAlice, "analyst-2"); graph.ErrorCode(err) != graph.ENOTFOUND {
			t.Errorf("retract again: %v, want %s", err, graph.ENOTFOUND)
		}
		hist, _, _, err := s.Judgements(ctx, w.bankAlice, 10, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 2 || hist[0].ID != r.ID || hist[1].ID != j.ID {
			t.Errorf("history of %s: %+v, want the retraction, then the judgement", w.bankAlice, hist)
		}
	})

	t.Run("judge SAME links two records that do not score", func(t *testing.T) {
		if m := match(t, s, w.bankDaniel, w.uaDaniel); m != nil {
			t.Fatalf("Daniel's records scored: %+v", m)
		}
		apart(t, s, w.bankDaniel, w.uaDaniel)
		j, rep, err := s.Judge(ctx, w.bankDaniel, w.uaDaniel, resolve.Same, "analyst-1", "")
		w.track(rep)
		if err != nil {
			t.Fatal(err)
		}
		v := together(t, s, w.bankDaniel, w.uaDaniel)
		if v.Name != "Daniel Okafor" {
			t.Errorf("name %q, want the longest", v.Name)
		}
		if len(v.Links) != 1 || v.Links[0].Status != resolve.Linked || v.Links[0].Judgement == nil || v.Links[0].Judgement.ID != j.ID {
			t.Errorf("links: %+v", v.Links)
		}
		w.resolve(t, s, true)
		together(t, s, w.bankDaniel, w.uaDaniel)
	})

	t.Run("split a resolved entity", func(t *testing.T) {
		v := together(t, s, w.bankBruno, w.hotBruno, w.uaBruno)
		for _, tt := range []struct {
			name, entity string
			ids          []string
			code         string
		}{
			{"unknown entity", "re:nope", []string{w.hotBruno}, graph.ENOTFOUND},
			{"not a member", v.ID, []string{w.bankAlice}, graph.EINVALID},
			{"every member", v.ID, []string{w.bankBruno, w.hotBruno, w.uaBruno}, graph.EINVALID},
			{"nothing", v.ID, nil, graph.EINVALID},
		} {
			if _, err := s.SplitResolvedEntity(ctx, tt.entity, tt.ids, "analyst-1", ""); graph.ErrorCode(err) != tt.code {
				t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
			}
		}
		rep, err := s.SplitResolvedEntity(ctx, v.ID, []string{w.hotBruno, w.hotBruno}, "analyst-1", "the report is about someone else")
		w.track(rep)
		if err != nil {
			t.Fatal(err)
		}
		if e := entityOf(t, s, w.hotBruno); e != "" {
			t.Errorf("the record split off is in %s", e)
		}
		together(t, s, w.bankBruno, w.uaBruno)
		hist, _, _, err := s.Judgements(ctx, w.hotBruno, 10, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 2 || hist[0].Verdict != resolve.Different || hist[1].Verdict != resolve.Different ||
			hist[0].Note != "the report is about someone else" {
			t.Errorf("judgements of %s: %+v, want two DIFFERENT", w.hotBruno, hist)
		}
	})

	t.Run("judge checks its input", func(t *testing.T) {
		for _, tt := range []struct {
			name, a, b string
			v          resolve.Verdict
			by         string
			code, msg  string
		}{
			{"unknown record", w.bankAlice, w.p + "nope", resolve.Same, "x", graph.ENOTFOUND, w.p + "nope"},
			{"not a record", w.bankAlice, w.chiaraEmail, resolve.Same, "x", graph.EINVALID, w.chiaraEmail},
			{"two kinds", w.novaks[0], w.company, resolve.Different, "x", graph.EINVALID, w.company},
			{"itself", w.bankAlice, w.bankAlice, resolve.Same, "x", graph.EINVALID, w.bankAlice},
			{"bad verdict", w.bankAlice, w.uaAlice, "MAYBE", "x", graph.EINVALID, "verdict"},
			{"nobody", w.bankAlice, w.uaAlice, resolve.Same, " ", graph.EINVALID, "by"},
		} {
			_, _, err := s.Judge(ctx, tt.a, tt.b, tt.v, tt.by, "")
			if graph.ErrorCode(err) != tt.code || !strings.Contains(graph.ErrorMessage(err), tt.msg) {
				t.Errorf("%s: %v, want %s naming %q", tt.name, err, tt.code, tt.msg)
			}
		}
	})

	t.Run("judgements page newest first", func(t *testing.T) {
		var all []graph.JudgementView
		after := ""
		for range 1000 {
			page, end, more, err := s.Judgements(ctx, "", 2, after)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, page...)
			if !more {
				break
			}
			after = end
		}
		var ours []string
		for i, j := range all {
			if i > 0 && (j.At.After(all[i-1].At) || (j.At.Equal(all[i-1].At) && j.ID >= all[i-1].ID)) {
				t.Errorf("judgement %d (%s %v) out of order after %s %v", i, j.ID, j.At, all[i-1].ID, all[i-1].At)
			}
			if strings.Contains(j.A, w.p) {
				ours = append(ours, j.ID)
			}
		}
		if len(ours) != 5 { // DIFFERENT, RETRACTED, SAME, and two DIFFERENT of the split
			t.Errorf("%d of the world's judgements listed, want 5: %v", len(ours), ours)
		}
		if _, _, _, err := s.Judgements(ctx, "", 2, "garbage"); graph.ErrorCode(err) != graph.EINVALID {
			t.Errorf("bad cursor: %v", err)
		}
	})

	t.Run("match reviews page by probability", func(t *testing.T) {
		var want []string
		for _, ids := range [][]string{w.novaks, w.webers, w.smiths} {
			for i, a := range ids {
				for _, b := range ids[i+1:] {
					if m := match(t, s, a, b); m != nil && m.Status == resolve.Review {
						want = append(want, m.A+"|"+m.B)
					}
				}
			}
		}
		t.Logf("the world's pairs in review: %v", want)
		var got []graph.MatchView
		after := ""
		for range 10000 {
			page, end, more, err := s.MatchReviews(ctx, 3, after)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) > 3 || (more && len(page) != 3) {
				t.Fatalf("page of %d, more %t", len(page), more)
			}
			got = append(got, page...)
			if !more {
				break
			}
			after = end
		}
		seen := map[string]bool{}
		for i, m := range got {
			k := m.A + "|" + m.B
			if seen[k] || m.Status != resolve.Review || m.A >= m.B {
				t.Errorf("review %d: %+v (seen before %t)", i, m, seen[k])
			}
			seen[k] = true
			if i > 0 && m.Probability > got[i-1].Probability {
				t.Errorf("review %d (%.4f) more probable than the one before (%.4f)", i, m.Probability, got[i-1].Probability)
			}
		}
		for _, k := range want {
			if !seen[k] {
				t.Errorf("pair %s in review is not listed", k)
			}
		}
		for _, tt := range []struct {
			first int
			after string
		}{{101, ""}, {-1, ""}, {3, "garbage"}, {3, "x" + after}} {
			if _, _, _, err := s.MatchReviews(ctx, tt.first, tt.after); graph.ErrorCode(err) != graph.EINVALID {
				t.Errorf("MatchReviews(%d, %q): %v, want %s", tt.first, tt.after, err, graph.EINVALID)
			}
		}
	})

	t.Run("lookups of what is not there", func(t *testing.T) {
		if _, err := s.ResolvedEntity(ctx, "re:"+w.p); graph.ErrorCode(err) != graph.ENOTFOUND {
			t.Errorf("ResolvedEntity: %v", err)
		}
		if _, err := s.ResolvedEntityOf(ctx, w.p+"nope"); graph.ErrorCode(err) != graph.ENOTFOUND {
			t.Errorf("ResolvedEntityOf: %v", err)
		}
		if v, err := s.ResolvedEntityOf(ctx, w.smiths[0]); err != nil || v != nil {
			t.Errorf("ResolvedEntityOf a record in no entity: %+v, %v", v, err)
		}
		if _, err := s.Matches(ctx, w.p+"nope"); graph.ErrorCode(err) != graph.ENOTFOUND {
			t.Errorf("Matches: %v", err)
		}
	})

	t.Run("runs never overlap", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i := range errs {
			wg.Go(func() {
				rep, err := s.Resolve(ctx, graph.ResolveOptions{Config: w.config(), By: "test"})
				w.track(rep)
				errs[i] = err
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("run %d: %v", i, err)
			}
		}
		together(t, s, w.bankAlice, w.uaAlice)
		together(t, s, w.bankBruno, w.uaBruno)
	})
}

// A partner that shares in the privacy-preserving mode sends its e-mail keyed and its customer's
// name and birth date as a CLK; with the consortium key, resolution links that record to a
// bank's clear one, and without it does not. The key is stored nowhere.
func TestResolutionPrivacyPreserving(t *testing.T) {
	s := graphtest.Open(t)
	ctx := context.Background()
	p := graphtest.Prefix(t)
	key := []byte("consortium key for the privacy test, 32+ bytes")
	clearEmail := p + ".jon.smith71@example.net"
	keyed := resolve.KeyIdentifier(key, resolve.IDEmail, clearEmail)
	bank := graph.Source{Partner: p + "-bank", Dataset: "customers", File: "c.csv"}
	partner := graph.Source{Partner: p + "-remit", Dataset: "customers", File: "hashed.csv"}
	clearID := graph.PartyID(graph.LabelPerson, bank.Partner, "C1")
	keyedID := graph.PartyID(graph.LabelPerson, partner.Partner, "R1")
	t.Cleanup(func() {
		query(t, s, `MATCH (n:Entity)-[:RESOLVED_TO]->(e:ResolvedEntity) WHERE n.id CONTAINS $p DETACH DELETE e`, map[string]any{"p": p})
		query(t, s, `MATCH (n:Entity) WHERE n.id CONTAINS $p OR n.id = $k DETACH DELETE n`, map[string]any{"p": p, "k": graph.EmailID(keyed)})
		query(t, s, `MATCH (n:Source) WHERE n.partner STARTS WITH $p DETACH DELETE n`, map[string]any{"p": p})
	})
	write := func(src graph.Source, b graph.Batch) {
		if _, err := s.WriteBatch(ctx, src, b); err != nil {
			t.Fatal(err)
		}
	}
	write(bank, graph.Batch{Nodes: []graph.Node{
		{Label: graph.LabelPerson, ID: clearID, Props: map[string]any{"name": "Jon Smith", "birthDate": "1971-03-02"}},
		{Label: graph.LabelEmail, ID: graph.EmailID(clearEmail), Props: map[string]any{"address": clearEmail}},
	}, Edges: []graph.Edge{{Type: graph.RelUsesEmail, From: clearID, To: graph.EmailID(clearEmail)}}})
	write(partner, graph.Batch{Nodes: []graph.Node{
		{Label: graph.LabelPerson, ID: keyedID, Props: map[string]any{"clk": resolve.EncodeCLKString(resolve.EncodeCLK(key, "John Smith", "1971-03-02"))}},
		{Label: graph.LabelEmail, ID: graph.EmailID(keyed)},
	}, Edges: []graph.Edge{{Type: graph.RelUsesEmail, From: keyedID, To: graph.EmailID(keyed)}}})

	if _, err := s.Resolve(ctx, graph.ResolveOptions{By: "test"}); err != nil {
		t.Fatal(err)
	}
	apart(t, s, clearID, keyedID)
	if _, err := s.Resolve(ctx, graph.ResolveOptions{Full: true, Config: resolve.Config{Key: key}, By: "test"}); err != nil {
		t.Fatal(err)
	}
	v := together(t, s, clearID, keyedID)
	m := match(t, s, clearID, keyedID)
	fields := map[string]string{}
	for _, ev := range m.Evidence {
		fields[ev.Field] = ev.Level
	}
	if fields["email"] != "exact" || !strings.HasPrefix(fields["name_and_birth_date_clk"], "dice") {
		t.Errorf("evidence = %+v; want the keyed e-mail and the CLK", m.Evidence)
	}
	// Nothing the run stored holds the key.
	for _, r := range query(t, s, `MATCH (r:ResolutionRun) RETURN r.model + coalesce(r.stats, '') AS text ORDER BY r.startedAt DESC LIMIT 5`, nil) {
		text, _ := r.Get("text")
		if strings.Contains(fmt.Sprint(text), string(key)) {
			t.Errorf("the run stored the key")
		}
	}
	_ = v
}

// One resolution run at a time across processes: a run waits while another holds the lease and
// gives up with EUNAVAILABLE naming the holder when its context ends; a lapsed lease (a crashed
// holder) is taken over; a finished run lets go.
func TestResolutionLock(t *testing.T) {
	s := graphtest.Open(t)
	ctx := context.Background()
	set := func(expires string) {
		query(t, s, `MERGE (l:ResolutionLock {key: 'resolution'})
SET l.holder = 'lock:other crosslink serve', l.since = datetime(), l.expires = datetime() + duration($d)`, map[string]any{"d": expires})
	}
	t.Cleanup(func() {
		query(t, s, `MATCH (l:ResolutionLock {key: 'resolution'}) SET l.holder = null, l.expires = null, l.since = null`, nil)
	})
	set("PT1M")
	short, cancel := context.WithTimeout(ctx, 2500*time.Millisecond)
	defer cancel()
	_, err := s.Resolve(short, graph.ResolveOptions{By: "test"})
	var ge *graph.Error
	if !errors.As(err, &ge) || ge.Code != graph.EUNAVAILABLE || !strings.Contains(ge.Message, "lock:other crosslink serve") {
		t.Fatalf("resolve under another's lease: %v", err)
	}
	set("-PT1S") // lapsed
	if _, err := s.Resolve(ctx, graph.ResolveOptions{By: "test"}); err != nil {
		t.Fatalf("resolve after the lease lapsed: %v", err)
	}
	held := query(t, s, `MATCH (l:ResolutionLock {key: 'resolution'}) RETURN l.holder AS h`, nil)
	if h, _ := held[0].Get("h"); h != nil {
		t.Errorf("lock still held after the run: %v", h)
	}
}
