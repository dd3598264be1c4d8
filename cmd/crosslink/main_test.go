package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crosslink/crosslink/graph/graphtest"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

func getenvFrom(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// TestBadConfigurationIsOneClearLine runs crosslink commands with broken settings and expects
// one line on stderr that says what is wrong, and a non-zero exit, never a stack trace.
func TestBadConfigurationIsOneClearLine(t *testing.T) {
	cfg := graphtest.Config(t) // the real test Neo4j, for the wrong-password case
	for _, tt := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"wrong password", []string{"migrate", "version"},
			map[string]string{"NEO4J_URI": cfg.URI, "NEO4J_USER": cfg.User, "NEO4J_PASSWORD": "not-the-password"},
			"refused the credentials of user \"neo4j\""},
		{"unreachable", []string{"migrate", "version"},
			map[string]string{"NEO4J_URI": "bolt://127.0.0.1:1", "NEO4J_PASSWORD": "x"},
			"bolt://127.0.0.1:1 cannot be reached: connection refused"},
		{"bad port", []string{"serve"},
			map[string]string{"NEO4J_URI": "bolt://127.0.0.1:99999"},
			`port "99999" is not a port number`},
		{"bad scheme", []string{"migrate", "up"},
			map[string]string{"NEO4J_URI": "http://127.0.0.1:7474"},
			"scheme must be bolt:// or neo4j://"},
		{"bad duration", []string{"serve"},
			map[string]string{"CROSSLINK_REQUEST_TIMEOUT": "soon"},
			`CROSSLINK_REQUEST_TIMEOUT="soon" is not a duration`},
		{"bad listen address", []string{"serve"},
			map[string]string{"NEO4J_URI": cfg.URI, "NEO4J_PASSWORD": cfg.Password, "CROSSLINK_ADDR": "127.0.0.1:99999", "CROSSLINK_MIGRATE": "false"},
			`listen address "127.0.0.1:99999"`},
		{"bad log level", []string{"migrate", "version"},
			map[string]string{"CROSSLINK_LOG_LEVEL": "loud"},
			`log level "loud"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			code := Main(ctx, tt.args, getenvFrom(tt.env), &stdout, &stderr)
			if code == 0 {
				t.Fatalf("exit 0, want non-zero; stderr %q", stderr.String())
			}
			lines := strings.Split(strings.TrimRight(stderr.String(), "\n"), "\n")
			if len(lines) != 1 {
				t.Fatalf("stderr has %d lines, want 1:\n%s", len(lines), stderr.String())
			}
			if !strings.HasPrefix(lines[0], "crosslink: ") || !strings.Contains(lines[0], tt.want) {
				t.Errorf("stderr = %q, want it to contain %q", lines[0], tt.want)
			}
		})
	}
}

func TestUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		code int
	}{
		{nil, 2},
		{[]string{"frobnicate"}, 2},
		{[]string{"migrate"}, 2},
		{[]string{"migrate", "sideways"}, 2},
		{[]string{"serve", "-h"}, 0},
		{[]string{"version"}, 0},
		{[]string{"load", "nosuchformat", "x.csv"}, 1},
	} {
		var stdout, stderr bytes.Buffer
		if got := Main(context.Background(), tt.args, getenvFrom(nil), &stdout, &stderr); got != tt.code {
			t.Errorf("crosslink %v: exit %d, want %d (stderr %q)", tt.args, got, tt.code, stderr.String())
		}
	}
}

// TestServeEndToEnd runs `crosslink serve` as the binary would, migrations at start included,
// asks the system query over real HTTP, and shuts it down gracefully.
func TestServeEndToEnd(t *testing.T) {
	cfg := graphtest.Config(t)
	env := getenvFrom(map[string]string{
		"NEO4J_URI": cfg.URI, "NEO4J_USER": cfg.User, "NEO4J_PASSWORD": cfg.Password,
		"CROSSLINK_ADDR": "127.0.0.1:0", "CROSSLINK_LOG_FORMAT": "json",
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	var logs bytes.Buffer
	go func() { done <- serve(ctx, nil, env, &logs, func(a string) { addrc <- a }) }()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("serve exited early: %v\n%s", err, logs.String())
	case <-time.After(2 * time.Minute):
		t.Fatal("serve did not start")
	}
	// Without a key the API refuses; `crosslink keys create` makes one that works.
	resp, err := http.Post("http://"+addr+"/graphql", "application/json", strings.NewReader(`{"query":"{ system { neo4jVersion } }"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no key: status %d, want 401", resp.StatusCode)
	}
	var keyOut, keyErr bytes.Buffer
	if code := Main(ctx, []string{"keys", "create", "--role", "analyst", "--name", "e2e"}, env, &keyOut, &keyErr); code != 0 {
		t.Fatalf("keys create: exit %d: %s", code, keyErr.String())
	}
	token := strings.TrimSpace(keyOut.String())
	keyID, _, _ := strings.Cut(strings.TrimPrefix(token, "cxk_"), "_")
	t.Cleanup(func() {
		var o, e bytes.Buffer
		if code := Main(context.Background(), []string{"keys", "revoke", keyID}, env, &o, &e); code != 0 {
			t.Errorf("keys revoke: exit %d: %s", code, e.String())
		}
		store := graphtest.Open(t)
		_, _ = neo4j.ExecuteQuery(context.Background(), store.Driver(), `MATCH (n) WHERE (n:ApiKey AND n.id = $id) OR (n:AuditEntry AND n.keyId = $id) DETACH DELETE n`,
			map[string]any{"id": keyID}, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(store.Database()))
	})
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/graphql",
		strings.NewReader(`{"query":"{ system { neo4jVersion gdsVersion apocVersion migrationVersion latestMigrationVersion } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Data struct {
			System struct {
				Neo4jVersion, GdsVersion, ApocVersion    string
				MigrationVersion, LatestMigrationVersion int
			}
		}
		Errors []any
	}
	err = json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if err != nil || len(out.Errors) > 0 {
		t.Fatalf("system query: %v %v", err, out.Errors)
	}
	s := out.Data.System
	if !strings.HasPrefix(s.Neo4jVersion, "5.26") || !strings.HasPrefix(s.GdsVersion, "2.13") || !strings.HasPrefix(s.ApocVersion, "5.26") ||
		s.MigrationVersion == 0 || s.MigrationVersion != s.LatestMigrationVersion {
		t.Errorf("system = %+v", s)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("shutdown: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not shut down")
	}
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("log line is not JSON: %q", line)
		}
		if strings.Contains(line, cfg.Password) {
			t.Errorf("log line holds the password: %q", line)
		}
	}
}
