package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/resolve"
	"github.com/crosslink/crosslink/loaders"
)

// hashTestKey is the consortium key of the hash tests.
var hashTestKey = []byte("hash test consortium key 32bytes")

// hashRun runs `crosslink hash` with the key in the environment and returns the exit code,
// stdout and stderr.
func hashRun(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	if env == nil {
		env = map[string]string{"CROSSLINK_CONSORTIUM_KEY": hex.EncodeToString(hashTestKey)}
	}
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), append([]string{"hash"}, args...), getenvFrom(env), &stdout, &stderr)
	for _, enc := range []string{string(hashTestKey), hex.EncodeToString(hashTestKey), base64.StdEncoding.EncodeToString(hashTestKey)} {
		if strings.Contains(stdout.String()+stderr.String(), enc[:12]) {
			t.Fatalf("the key is in the output:\n%s\n%s", stdout.String(), stderr.String())
		}
	}
	return code, stdout.String(), stderr.String()
}

// writeFile writes a test file and returns its path.
func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// lookup returns a loader format.
func lookup(t *testing.T, name string) loaders.Format {
	t.Helper()
	f, err := loaders.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// recorder is a loaders.Writer that keeps what it is given: the loaders' parsing without Neo4j.
// Like graph's writer, it merges a node's properties, skipping empty values.
type recorder struct{ nodes map[string]graph.Node }

func (r *recorder) WriteBatch(_ context.Context, _ graph.Source, b graph.Batch) (graph.WriteStats, error) {
	for _, n := range b.Nodes {
		old, ok := r.nodes[n.ID]
		if !ok {
			old = graph.Node{Label: n.Label, ID: n.ID, Props: map[string]any{}}
		}
		for k, v := range n.Props {
			if v != nil && v != "" {
				old.Props[k] = v
			}
		}
		r.nodes[n.ID] = old
	}
	return graph.WriteStats{}, nil
}

// parseWith loads a file with a loader format into a recorder and fails on any reject.
func parseWith(t *testing.T, f loaders.Format, path string) map[string]graph.Node {
	t.Helper()
	in, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	rec := &recorder{nodes: map[string]graph.Node{}}
	sum, err := loaders.Load(context.Background(), rec, f, path, in, 0, loaders.Options{Partner: "bank-a"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rejected > 0 {
		t.Fatalf("%s: %d rejected: %v", path, sum.Rejected, sum.Examples)
	}
	return rec.nodes
}

func keyed(kind, normalized string) string {
	return resolve.KeyIdentifier(hashTestKey, kind, normalized)
}

func clkOf(name, date string) string {
	return resolve.EncodeCLKString(resolve.EncodeCLK(hashTestKey, name, date))
}

func TestHashTransactions(t *testing.T) {
	in := writeFile(t, "tx.csv", `transaction_id,timestamp,amount,currency,reference,payer_iban,payer_customer_id,payer_name,payer_birth_date,payer_email,payer_phone,payer_country,payer_device_type,payer_device_id,payee_account,payee_country,payee_name,payee_phone
T1,2026-01-12 20:40:00,75.50,EUR,medical bills,DE48 5001 0517 0532 0130 00,C100,Max Mustermann,1980-04-01,Max@Example.ORG,0151 1234 5678,DE,IMEI,49-015420-323751,GC-0917,PH,Rosa Dela Cruz,0917 123 4567
T2,2026-01-13 20:40:00,12.00,EUR,,DE48500105170532013000,C100,"Mustermann, Max",,max@example.org,+49 151 12345678,DE,,,GC-0917,PH,,
`)
	out := filepath.Join(t.TempDir(), "tx.hashed.csv")
	code, _, stderr := hashRun(t, nil, "-format", "transactions", "-o", out, in)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if want := "tx.csv: 2 rows, keyed 2 email, 3 phone, 2 iban, 2 account, 1 device, 3 names as CLKs"; !strings.Contains(stderr, want) {
		t.Errorf("stderr %q, want %q", stderr, want)
	}
	text, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, clear := range []string{"Max", "Mustermann", "example", "5678", "DE48", "GC-0917", "Rosa", "1980", "490154"} {
		if strings.Contains(string(text), clear) {
			t.Errorf("output still has %q:\n%s", clear, text)
		}
	}
	// The header and the other columns are as they were.
	rows, err := csv.NewReader(bytes.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(strings.Join(rows[0], ","), "transaction_id,timestamp,amount,currency,reference,payer_iban") ||
		rows[1][4] != "medical bills" || rows[1][11] != "DE" || rows[1][12] != "IMEI" || rows[1][8] != "" {
		t.Errorf("rows %q", rows[:2])
	}

	nodes := parseWith(t, &loaders.Transactions{}, out)
	email := "email:" + keyed(resolve.IDEmail, "max@example.org")
	phone := "phone:" + keyed(resolve.IDPhone, "+4915112345678")
	payeePhone := "phone:" + keyed(resolve.IDPhone, "+639171234567") // read in payee_country PH
	iban := "iban:" + keyed(resolve.IDAccount, "DE48500105170532013000")
	payee := "acct:bank-a:" + keyed(resolve.IDAccount, "GC-0917")
	device := "device:imei:" + keyed(resolve.IDDevice, "490154203237518")
	for _, id := range []string{email, phone, payeePhone, iban, payee, device} {
		if _, ok := nodes[id]; !ok {
			t.Errorf("no node %s", id)
		}
	}
	// Row 2 names the payer surname first and without a birth date: its CLK (word order does
	// not matter) is the one written last. No clear name or birth date reaches the graph.
	person := nodes["person:bank-a:C100"]
	if person.Props["name"] != nil || person.Props["birthDate"] != nil || person.Props["clk"] != clkOf("Max Mustermann", "") {
		t.Errorf("person props %v", person.Props)
	}
	if got := nodes[payee].Props["holderClk"]; got != clkOf("Rosa Dela Cruz", "") {
		t.Errorf("payee holderClk %v", got)
	}
	if rows[1][7] != clkOf("Max Mustermann", "1980-04-01") {
		t.Errorf("payer_name of row 1 is not the CLK of the name and birth date")
	}

	// Hashing the hashed file changes nothing.
	again := filepath.Join(t.TempDir(), "again.csv")
	if code, _, stderr := hashRun(t, nil, "-format", "transactions", "-o", again, out); code != 0 {
		t.Fatalf("second pass: exit %d: %s", code, stderr)
	}
	if b, _ := os.ReadFile(again); !bytes.Equal(b, text) {
		t.Errorf("hashing twice changed the file:\n%s\n%s", text, b)
	}
}

func TestHashPlatform(t *testing.T) {
	accounts := writeFile(t, "accounts.csv", `platform_id,service,username,display_name,email,phone,country,created_at
sg-1001,snapgram,@Bob_99,Bob,bob99@mail.example,0917 123 4567,PH,2023-01-05T08:00:00Z
sg-1002,snapgram,lola,,,,,
`)
	events := writeFile(t, "events.csv", `service,platform_id,event,timestamp,ip,device_type,device_id
snapgram,sg-1001,login,2024-03-01T08:00:00Z,203.0.113.7,idfa,6D92078A-8246-4BA4-AE5B-76104861E7DC
`)
	dir := t.TempDir()
	for _, in := range []string{accounts, events} {
		out := filepath.Join(dir, filepath.Base(in))
		if code, _, stderr := hashRun(t, nil, "-format", "platform", in, "-o", out); code != 0 {
			t.Fatalf("%s: exit %d: %s", in, code, stderr)
		}
	}
	nodes := parseWith(t, lookup(t, "platform"), filepath.Join(dir, "accounts.csv"))
	handle := keyed(resolve.IDHandle, "bob_99")
	for _, id := range []string{"handle:" + handle, "handle:" + keyed(resolve.IDHandle, "lola"),
		"email:" + keyed(resolve.IDEmail, "bob99@mail.example"), "phone:" + keyed(resolve.IDPhone, "+639171234567")} {
		if _, ok := nodes[id]; !ok {
			t.Errorf("no node %s", id)
		}
	}
	ua := nodes["ua:snapgram:sg-1001"]
	if ua.Props["clk"] != clkOf("Bob", "") || ua.Props["displayName"] != nil || ua.Props["username"] != handle || ua.Props["country"] != "PH" {
		t.Errorf("account props %v", ua.Props)
	}
	nodes = parseWith(t, lookup(t, "platform"), filepath.Join(dir, "events.csv"))
	if _, ok := nodes["device:idfa:"+keyed(resolve.IDDevice, "6d92078a-8246-4ba4-ae5b-76104861e7dc")]; !ok {
		t.Errorf("no keyed device in %v", nodes)
	}
	if _, ok := nodes["ip:203.0.113.7"]; !ok {
		t.Error("the IP was not copied unchanged")
	}
}

func TestHashInvalid(t *testing.T) {
	in := writeFile(t, "bad.csv", `transaction_id,timestamp,amount,currency,payer_account,payee_account,payer_email,payer_name,payer_birth_date
T1,2026-01-12 20:40:00,1,EUR,A1,B1,ok@example.org,Ann Lee,1990-02-03
T2,2026-01-12 20:40:00,1,EUR,A1,B1,secret.person-at-example.org,Bo Chan,1990-02-30
`)
	out := filepath.Join(t.TempDir(), "out.csv")
	code, _, stderr := hashRun(t, nil, "-format", "transactions", "-o", out, in)
	if code == 0 {
		t.Fatal("exit 0 for an invalid e-mail")
	}
	if want := "crosslink: hash: bad.csv:3: payer_email: e-mail address must have exactly one @"; !strings.HasPrefix(stderr, want) {
		t.Errorf("stderr %q, want %q", stderr, want)
	}
	if strings.Contains(stderr, "secret") {
		t.Error("the error repeats the value")
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed run left %s (%v)", out, err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), "*")); len(left) > 0 {
		t.Errorf("a failed run left %v", left)
	}

	code, _, stderr = hashRun(t, nil, "-format", "transactions", "-o", out, "-skip-invalid", in)
	if code != 0 {
		t.Fatalf("-skip-invalid: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"bad.csv: 2 invalid values emptied", "bad.csv:3: payer_email: e-mail address", "bad.csv:3: payer_birth_date: day does not exist"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q, want %q", stderr, want)
		}
	}
	rows := readCSV(t, out)
	if rows[2][6] != "" || rows[2][8] != "" || rows[2][7] != clkOf("Bo Chan", "") {
		t.Errorf("row 3 = %q: want the e-mail and date emptied, the name encoded alone", rows[2])
	}
	if rows[1][7] != clkOf("Ann Lee", "1990-02-03") {
		t.Errorf("row 2 = %q", rows[1])
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestHashColumns(t *testing.T) {
	// A layout of its own: -columns names what to key, encode and drop; the rest is copied.
	in := writeFile(t, "bank.csv", `ID,E-Mail,Holder,DOB,Notes,Phone,Device
1,Ann@Example.org,Ann Lee,19900203,call Ann,020 7946 0018,490154203237518
`)
	out := filepath.Join(t.TempDir(), "out.csv")
	code, _, stderr := hashRun(t, nil, "-columns", "e-mail=email,holder=name:dob,notes=drop,phone=phone,device=device:imei", "-region", "GB", "-o", out, in)
	if code == 0 {
		t.Fatal("a date in YYYYMMDD was accepted; the loaders read YYYY-MM-DD")
	}
	if !strings.Contains(stderr, "bank.csv:2: DOB: not a date") {
		t.Errorf("stderr %q", stderr)
	}
	in = writeFile(t, "bank.csv", `ID,E-Mail,Holder,DOB,Notes,Phone,Device
1,Ann@Example.org,Ann Lee,1990-02-03,call Ann,020 7946 0018,49 015420 323751 8
`)
	if code, _, stderr := hashRun(t, nil, "-columns", "e-mail=email,holder=name:dob,notes=drop,phone=phone,device=device:imei", "-region", "GB", "-o", out, in); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := [][]string{
		{"ID", "E-Mail", "Holder", "DOB", "Notes", "Phone", "Device"},
		{"1", keyed(resolve.IDEmail, "ann@example.org"), clkOf("Ann Lee", "1990-02-03"), "", "", keyed(resolve.IDPhone, "+442079460018"), keyed(resolve.IDDevice, "490154203237518")},
	}
	if got := readCSV(t, out); strings.Join(got[0], ",") != strings.Join(want[0], ",") || strings.Join(got[1], ",") != strings.Join(want[1], ",") {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func TestHashKey(t *testing.T) {
	in := writeFile(t, "tx.csv", "transaction_id,timestamp,amount,currency,payer_account,payee_account,payer_email\nT1,2026-01-12 20:40:00,1,EUR,A1,B1,a@example.org\n")
	want := keyed(resolve.IDEmail, "a@example.org")
	keyFile := writeFile(t, "key", base64.StdEncoding.EncodeToString(hashTestKey)+"\n")
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		err  string
	}{
		{"hex in the environment", map[string]string{"CROSSLINK_CONSORTIUM_KEY": hex.EncodeToString(hashTestKey)}, nil, ""},
		{"base64 in the environment", map[string]string{"CROSSLINK_CONSORTIUM_KEY": base64.RawURLEncoding.EncodeToString(hashTestKey)}, nil, ""},
		{"file wins", map[string]string{"CROSSLINK_CONSORTIUM_KEY": "00"}, []string{"-key-file", keyFile}, ""},
		{"none", map[string]string{}, nil, "no consortium key: give -key-file FILE or set CROSSLINK_CONSORTIUM_KEY"},
		{"short", map[string]string{"CROSSLINK_CONSORTIUM_KEY": hex.EncodeToString(hashTestKey[:31])}, nil, "has 31 bytes; at least 32 are needed"},
		{"not hex or base64", map[string]string{"CROSSLINK_CONSORTIUM_KEY": "hash test consortium key 32bytes!"}, nil, "neither hex nor base64"},
		{"missing file", map[string]string{}, []string{"-key-file", filepath.Join(t.TempDir(), "nope")}, "-key-file: open"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := hashRun(t, tt.env, append(append([]string{"-format", "transactions"}, tt.args...), in)...)
			if tt.err != "" {
				if code == 0 || !strings.Contains(stderr, tt.err) || strings.Count(stderr, "\n") != 1 {
					t.Errorf("exit %d, stderr %q; want one line with %q", code, stderr, tt.err)
				}
				return
			}
			if code != 0 || !strings.Contains(stdout, ","+want+"\n") {
				t.Errorf("exit %d, stdout %q, stderr %q; want the e-mail keyed", code, stdout, stderr)
			}
		})
	}
}

func TestHashUsage(t *testing.T) {
	in := writeFile(t, "tx.csv", "transaction_id,timestamp,amount,currency,payer_account,payee_account\nT1,2026-01-12 20:40:00,1,EUR,A1,B1\n")
	noIDs := writeFile(t, "plain.csv", "a,b\n1,2\n")
	for _, tt := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"-h"}, 0, "usage: crosslink hash"},
		{[]string{"-format", "transactions"}, 2, "usage: crosslink hash"},
		{[]string{"-format", "ftm", in}, 1, `-format "ftm": want transactions or platform`},
		{[]string{in}, 1, "nothing to do: give -format or -columns"},
		{[]string{"-columns", "a=ssn", noIDs}, 1, "a=ssn: unknown kind"},
		{[]string{"-columns", "a=device:mac", noIDs}, 1, "unknown device type"},
		{[]string{"-columns", "c=email", noIDs}, 1, "-columns names columns the header does not have: c"},
		{[]string{"-format", "platform", noIDs}, 1, "the header has none of the columns to hash"},
		{[]string{"-columns", "a=name:b,b=email", noIDs}, 1, "column b is the birth date of a and cannot also be email"},
		{[]string{"-format", "transactions", "-region", "EU", in}, 1, "-region: EU is a group of countries"},
		{[]string{"-format", "transactions", "-o", in, in}, 1, "is the input file"},
	} {
		code, _, stderr := hashRun(t, nil, tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.err) {
			t.Errorf("%q: exit %d, stderr %q; want %d with %q", tt.args, code, stderr, tt.code, tt.err)
		}
	}
}
