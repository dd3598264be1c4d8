package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/server"
	"github.com/crosslink/crosslink/server/generated"
)

func TestAuthentication(t *testing.T) {
	a := newServer(t, server.DefaultConfig())
	ctx := context.Background()
	expired, expiredTok, err := a.store.CreateAPIKey(ctx, graph.NewAPIKey{Name: "expired", Role: graph.RoleAnalyst, TTL: time.Nanosecond}, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	revoked, revokedTok, err := a.store.CreateAPIKey(ctx, graph.NewAPIKey{Name: "revoked", Role: graph.RoleAnalyst}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		a.cypher(t, `MATCH (n) WHERE (n:ApiKey AND n.id IN $ids) OR (n:AuditEntry AND n.keyId IN $ids) DETACH DELETE n`,
			map[string]any{"ids": []string{expired.ID, revoked.ID}})
	})
	// The revoked key works until an admin revokes it through the API, then at once stops.
	if code, res := a.do(t, revokedTok, `{ me { role } }`, nil); code != http.StatusOK || len(res.Errors) > 0 {
		t.Fatalf("before revoking: %d %+v", code, res.Errors)
	}
	if _, res := a.as(t, graph.RoleAdmin, `mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`, map[string]any{"id": revoked.ID}); len(res.Errors) > 0 {
		t.Fatalf("revoke: %+v", res.Errors)
	}
	adminTok := a.tokens[graph.RoleAdmin]
	id, _, _ := strings.Cut(strings.TrimPrefix(adminTok, "cxk_"), "_")
	forged := "cxk_" + id + "_" + strings.Repeat("A", 43)
	for _, tt := range []struct {
		name   string
		header string
		value  string
		want   int
	}{
		{"no key", "", "", http.StatusUnauthorized},
		{"not a key", "Authorization", "Bearer hello", http.StatusUnauthorized},
		{"basic auth", "Authorization", "Basic " + adminTok, http.StatusUnauthorized},
		{"forged secret of a real key id", "Authorization", "Bearer " + forged, http.StatusUnauthorized},
		{"expired", "Authorization", "Bearer " + expiredTok, http.StatusUnauthorized},
		{"revoked", "Authorization", "Bearer " + revokedTok, http.StatusUnauthorized},
		{"injection as key", "Authorization", `Bearer cxk_' OR 1=1 //_x`, http.StatusUnauthorized},
		{"bearer", "Authorization", "Bearer " + adminTok, http.StatusOK},
		{"lower-case bearer", "Authorization", "bearer " + adminTok, http.StatusOK},
		{"X-Api-Key", "X-Api-Key", adminTok, http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, a.URL+"/graphql", strings.NewReader(`{"query":"{ me { role } }"}`))
			req.Header.Set("Content-Type", "application/json")
			if tt.header != "" {
				req.Header.Set(tt.header, tt.value)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var res gqlResponse
			_ = json.NewDecoder(resp.Body).Decode(&res)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d (%+v)", resp.StatusCode, tt.want, res.Errors)
			}
			if tt.want == http.StatusUnauthorized {
				if res.code() != "UNAUTHENTICATED" || resp.Header.Get("WWW-Authenticate") == "" {
					t.Errorf("code %q, WWW-Authenticate %q", res.code(), resp.Header.Get("WWW-Authenticate"))
				}
				if strings.Contains(res.Errors[0].Message, id) {
					t.Errorf("message %q tells about the key", res.Errors[0].Message)
				}
			}
		})
	}
}

// operations is one call of every root field, used by the role matrix. Arguments are valid but
// may name nothing: the matrix asks whether the call is let through, not what it returns.
var operations = map[string]struct {
	query string
	vars  map[string]any
}{
	"Query.system":          {`{ system { version } }`, nil},
	"Query.me":              {`{ me { role } }`, nil},
	"Query.apiKeys":         {`{ apiKeys { nodes { id } } }`, nil},
	"Query.auditLog":        {`{ auditLog(first: 1) { nodes { id } } }`, nil},
	"Mutation.createApiKey": {`mutation { createApiKey(input: {name: "matrix", role: ANALYST, expiresInDays: 1}) { key { id } } }`, nil},
	"Mutation.revokeApiKey": {`mutation { revokeApiKey(id: "000000000000") { id } }`, nil},

	"Query.search":        {`{ search(text: "nobody at all") { total } }`, nil},
	"Query.entity":        {`{ entity(id: "acct:none:1") { node { id } } }`, nil},
	"Query.node":          {`{ node(id: "acct:none:1") { id } }`, nil},
	"Query.nodes":         {`{ nodes(ids: ["acct:none:1"]) { id } }`, nil},
	"Query.neighbourhood": {`{ neighbourhood(ids: ["acct:none:1"]) { truncated } }`, nil},
	"Query.transactions":  {`{ transactions(account: "acct:none:1") { rows { amount } } }`, nil},
	"Query.timeline":      {`{ timeline(id: "acct:none:1") { hasMore } }`, nil},
	"Query.paths":         {`{ paths(from: "acct:none:1", to: "acct:none:2") { truncated } }`, nil},
	"Query.communities":   {`{ communities(input: {algorithm: WCC, scope: {kind: SUBGRAPH, ids: ["acct:none:1"]}}) { run { id } } }`, nil},
	"Query.centrality":    {`{ centrality(input: {algorithm: DEGREE, scope: {kind: SUBGRAPH, ids: ["acct:none:1"]}}) { nodes } }`, nil},
	"Query.communityRuns": {`{ communityRuns(first: 1) { nodes { id } } }`, nil},
	"Query.communityRun":  {`{ communityRun(id: "none") { run { id } } }`, nil},
	"Query.job":           {`{ job(id: "job-none") { id } }`, nil},
	"Query.jobs":          {`{ jobs { nodes { id } } }`, nil},

	"Mutation.startCommunities":   {`mutation { startCommunities(input: {algorithm: WCC, scope: {kind: SUBGRAPH, ids: ["acct:none:1"]}}) { id } }`, nil},
	"Mutation.startCentrality":    {`mutation { startCentrality(input: {algorithm: DEGREE, scope: {kind: SUBGRAPH, ids: ["acct:none:1"]}}) { id } }`, nil},
	"Mutation.cancelJob":          {`mutation { cancelJob(id: "job-none") { id } }`, nil},
	"Mutation.deleteCommunityRun": {`mutation { deleteCommunityRun(id: "none") }`, nil},

	"Mutation.ingestTransactions":     {`mutation { ingestTransactions(rows: [{transactionId: "m1", timestamp: "bad", amount: "1", currency: "EUR"}]) { rejected } }`, nil},
	"Mutation.ingestPlatformAccounts": {`mutation { ingestPlatformAccounts(rows: [{service: "s", platformId: "1", username: ""}]) { rejected } }`, nil},
	"Mutation.ingestPlatformEvents":   {`mutation { ingestPlatformEvents(rows: [{service: "s", platformId: "1", event: "nope", timestamp: "bad"}]) { rejected } }`, nil},
	"Mutation.ingestReports":          {`mutation { ingestReports(reports: ["<report/>"]) { rejected } }`, nil},
	"Mutation.ingestEntities":         {`mutation { ingestEntities(dataset: "matrix", entities: [{id: "x", schema: "Nope"}]) { rejected } }`, nil},

	"Query.resolvedEntity":         {`{ resolvedEntity(id: "re:none") { id } }`, nil},
	"Query.matchReviews":           {`{ matchReviews(first: 1) { nodes { probability } } }`, nil},
	"Query.judgements":             {`{ judgements(recordId: "person:none:1", first: 1) { nodes { id } } }`, nil},
	"Mutation.judgeMatch":          {`mutation { judgeMatch(a: "person:none:1", b: "person:none:2", verdict: SAME) { judgement { id } } }`, nil},
	"Mutation.retractJudgement":    {`mutation { retractJudgement(a: "person:none:1", b: "person:none:2") { judgement { id } } }`, nil},
	"Mutation.splitResolvedEntity": {`mutation { splitResolvedEntity(id: "re:none", recordIds: ["person:none:1"]) { id } }`, nil},
	"Mutation.startResolution":     {`mutation { startResolution { id } }`, nil},

	"Query.signals":           {`{ signals(first: 1) { nodes { id } } }`, nil},
	"Query.signal":            {`{ signal(id: "sig:none") { id } }`, nil},
	"Query.riskRanking":       {`{ riskRanking(first: 1) { nodes { risk } } }`, nil},
	"Query.detectionRules":    {`{ detectionRules { name } }`, nil},
	"Query.detectionRuns":     {`{ detectionRuns(first: 1) { id } }`, nil},
	"Mutation.startDetection": {`mutation { startDetection { id } }`, nil},

	"Query.alerts":            {`{ alerts(first: 1) { nodes { id } } }`, nil},
	"Query.alert":             {`{ alert(id: "alert:none") { id } }`, nil},
	"Query.cases":             {`{ cases(first: 1) { nodes { id } } }`, nil},
	"Query.case":              {`{ case(id: "case:none") { id } }`, nil},
	"Mutation.updateAlert":    {`mutation { updateAlert(id: "alert:none", input: {note: "matrix"}) { id } }`, nil},
	"Mutation.createCase":     {`mutation { createCase(title: "matrix case") { id } }`, nil},
	"Mutation.updateCase":     {`mutation { updateCase(id: "case:none", title: "x") { id } }`, nil},
	"Mutation.addToCase":      {`mutation { addToCase(id: "case:none", entityIds: ["acct:none:1"]) { id } }`, nil},
	"Mutation.removeFromCase": {`mutation { removeFromCase(id: "case:none", entityIds: ["acct:none:1"]) { id } }`, nil},
	"Mutation.addCaseNote":    {`mutation { addCaseNote(id: "case:none", text: "x") { id } }`, nil},
	"Mutation.saveCaseView":   {`mutation { saveCaseView(id: "case:none", view: {name: "v", nodeIds: []}) { id } }`, nil},
}

// TestRoleMatrix calls every operation with every role and checks the policy is what is
// enforced: allowed calls are not refused, the others fail with FORBIDDEN and null data.
func TestRoleMatrix(t *testing.T) {
	a := newServer(t, server.DefaultConfig())
	t.Cleanup(func() {
		a.cypher(t, `MATCH (k:ApiKey {name: 'matrix'}) DETACH DELETE k`, nil)
		a.cypher(t, `MATCH (c:Case {title: 'matrix case'}) OPTIONAL MATCH (c)-[:HAS_EVENT]->(e) DETACH DELETE c, e`, nil)
	})
	for op, call := range operations {
		for _, role := range graph.Roles {
			object, field, _ := strings.Cut(op, ".")
			allowed := server.DefaultPolicy.Allows(role, object, field)
			t.Run(op+"/"+string(role), func(t *testing.T) {
				_, res := a.as(t, role, call.query, call.vars)
				if refused := res.code() == "FORBIDDEN"; refused == allowed {
					t.Fatalf("allowed by policy %v, response %+v", allowed, res.Errors)
				}
				if !allowed && !strings.Contains(string(res.Data), "null") {
					t.Errorf("refused call returned data %s", res.Data)
				}
			})
		}
	}
}

// TestPolicyCoversSchema keeps the policy and the matrix complete: every root field of the
// schema has a policy entry and a call in the matrix.
func TestPolicyCoversSchema(t *testing.T) {
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	for _, def := range []string{"Query", "Mutation"} {
		for _, f := range schema.Types[def].Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			op := def + "." + f.Name
			if _, ok := server.DefaultPolicy[op]; !ok {
				t.Errorf("%s has no entry in DefaultPolicy: nobody can call it", op)
			}
			if _, ok := operations[op]; !ok {
				t.Errorf("%s has no call in the role matrix", op)
			}
		}
	}
}

func TestAuditLog(t *testing.T) {
	a := newServer(t, server.DefaultConfig())
	const secret = "victim.name@example.org"
	// One request of each outcome: ok (with variables), refused by role, refused without a key.
	if _, res := a.as(t, graph.RoleAnalyst, `query Lookup($q: Boolean!) { me { role } system { version } __typename @include(if: $q) }`, map[string]any{"q": true, "note": secret}); len(res.Errors) > 0 {
		t.Fatalf("ok request: %+v", res.Errors)
	}
	if _, res := a.as(t, graph.RoleAnalyst, `query Peek { auditLog { nodes { id } } }`, nil); res.code() != "FORBIDDEN" {
		t.Fatalf("analyst reading the audit log: %+v", res.Errors)
	}
	if code, _ := a.do(t, "", `{ me { role } }`, nil); code != http.StatusUnauthorized {
		t.Fatalf("no key: %d", code)
	}
	if err := a.srv.FlushAudit(context.Background()); err != nil {
		t.Fatal(err)
	}
	analyst := a.keys[graph.RoleAnalyst].ID
	_, res := a.as(t, graph.RoleAdmin, `query($k: String) { auditLog(filter: {keyId: $k}, first: 10) {
		nodes { keyId role operation operationType status errorCode variablesHash resultBytes requestId at }
		pageInfo { hasNextPage } } }`, map[string]any{"k": analyst})
	if len(res.Errors) > 0 {
		t.Fatalf("auditLog: %+v", res.Errors)
	}
	var got struct {
		AuditLog struct {
			Nodes []struct {
				KeyID, Role, Operation, OperationType, Status, RequestID string
				ErrorCode, VariablesHash                                 *string
				ResultBytes                                              int
				At                                                       time.Time
			}
		}
	}
	if err := json.Unmarshal(res.Data, &got); err != nil {
		t.Fatal(err)
	}
	entries := got.AuditLog.Nodes
	if len(entries) != 2 {
		t.Fatalf("analyst entries = %+v, want 2", entries)
	}
	// Newest first.
	peek, lookup := entries[0], entries[1]
	if peek.Operation != "Peek" || peek.Status != "refused" || peek.ErrorCode == nil || *peek.ErrorCode != "FORBIDDEN" || peek.Role != "ANALYST" {
		t.Errorf("refused entry = %+v", peek)
	}
	if lookup.Operation != "Lookup" || lookup.Status != "ok" || lookup.OperationType != "query" || lookup.VariablesHash == nil ||
		len(*lookup.VariablesHash) != 64 || lookup.ResultBytes == 0 || lookup.RequestID == "" || lookup.At.IsZero() {
		t.Errorf("ok entry = %+v", lookup)
	}
	// The request without a key is logged too, with no key.
	recs := a.cypher(t, `MATCH (e:AuditEntry) WHERE e.keyId IS NULL AND e.status = 'refused' AND e.at > datetime() - duration('PT1M') RETURN count(e) AS n`, nil)
	if n, _ := recs[0].Get("n"); n.(int64) < 1 {
		t.Errorf("no audit entry for the request without a key")
	}
	a.cypher(t, `MATCH (e:AuditEntry) WHERE e.keyId IS NULL AND e.status = 'refused' AND e.at > datetime() - duration('PT1M') DELETE e`, nil)
	// Neither the variables nor any key reach the audit log or the server's logs.
	recs = a.cypher(t, `MATCH (e:AuditEntry {keyId: $k}) RETURN [k IN keys(e) | toString(e[k])] AS values`, map[string]any{"k": analyst})
	for _, r := range recs {
		v, _ := r.Get("values")
		for _, x := range v.([]any) {
			if strings.Contains(x.(string), secret) {
				t.Errorf("audit entry holds the variable's value: %v", v)
			}
		}
	}
	logs := a.logs.String()
	for role, tok := range a.tokens {
		if strings.Contains(logs, tok) || strings.Contains(logs, tok[len(tok)-20:]) {
			t.Errorf("the %s key is in the logs", role)
		}
	}
	if strings.Contains(logs, secret) {
		t.Errorf("the logs hold a variable's value")
	}
}

// TestListsPage checks the cursor pages of the lists held in memory (API keys, jobs).
func TestListsPage(t *testing.T) {
	a := newServer(t, server.DefaultConfig())
	const q = `query($after: String) { apiKeys(first: 1, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }`
	seen := map[string]bool{}
	after := ""
	for i := 0; i < 2000; i++ {
		_, res := a.as(t, graph.RoleAdmin, q, map[string]any{"after": after})
		var r struct {
			APIKeys struct {
				Nodes    []struct{ ID string }
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
			} `json:"apiKeys"`
		}
		if len(res.Errors) > 0 || json.Unmarshal(res.Data, &r) != nil || len(r.APIKeys.Nodes) != 1 {
			t.Fatalf("page %d: %s %+v", i, res.Data, res.Errors)
		}
		id := r.APIKeys.Nodes[0].ID
		if seen[id] {
			t.Fatalf("key %s listed twice", id)
		}
		seen[id] = true
		if !r.APIKeys.PageInfo.HasNextPage {
			break
		}
		after = r.APIKeys.PageInfo.EndCursor
	}
	for _, k := range a.keys {
		if !seen[k.ID] {
			t.Errorf("key %s never listed", k.ID)
		}
	}
	for _, tt := range []struct{ query, code string }{
		{`{ apiKeys(after: "nope") { nodes { id } } }`, "BAD_USER_INPUT"},
		{`{ apiKeys(first: 0) { nodes { id } } }`, "BAD_USER_INPUT"},
		{`{ jobs(after: "job-nope") { nodes { id } } }`, "BAD_USER_INPUT"},
		{`{ jobs(first: 101) { nodes { id } } }`, "BAD_USER_INPUT"},
	} {
		if _, res := a.as(t, graph.RoleAdmin, tt.query, nil); res.code() != tt.code {
			t.Errorf("%s: %+v", tt.query, res.Errors)
		}
	}
}
