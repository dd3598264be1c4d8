package loaders_test

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/resolve"
	"github.com/crosslink/crosslink/loaders"
)

// The privacy-preserving mode through the loaders (docs/privacy.md): keyed identifiers become
// nodes as clear ones do, and CLKs replace names.

// privKey is a test consortium key.
var privKey = []byte("test consortium key, 32 bytes..!")

// nodesByID indexes nodes by id.
func nodesByID(nodes []graph.Node) map[string]graph.Node {
	m := map[string]graph.Node{}
	for _, n := range nodes {
		m[n.ID] = n
	}
	return m
}

func TestTransactionsKeyed(t *testing.T) {
	email := resolve.KeyIdentifier(privKey, resolve.IDEmail, "max@example.org")
	phone := resolve.KeyIdentifier(privKey, resolve.IDPhone, "+4915112345678")
	iban := resolve.KeyIdentifier(privKey, resolve.IDAccount, "DE48500105170532013000")
	acct := resolve.KeyIdentifier(privKey, resolve.IDAccount, "GC-09171234567")
	device := resolve.KeyIdentifier(privKey, resolve.IDDevice, "490154203237518")
	payerCLK := resolve.EncodeCLKString(resolve.EncodeCLK(privKey, "Max Mustermann", "1980-04-01"))
	payeeCLK := resolve.EncodeCLKString(resolve.EncodeCLK(privKey, "Maria Cruz", ""))
	rec := loaders.TransactionFields(map[string]string{
		"transaction_id": "T1", "timestamp": "2026-01-05 09:15:00", "amount": "12.30", "currency": "EUR",
		"payer_iban": strings.ToUpper(iban), "payer_customer_id": "C1", "payer_name": payerCLK,
		"payer_email": email, "payer_phone": phone, // no country: a keyed number needs none
		"payer_device_type": "imei", "payer_device_id": device,
		"payee_account": strings.ToUpper(acct), "payee_name": payeeCLK,
	})
	nodes, _, fe := rec.Graph("bank-a", graph.Ref{}, loaders.TransactionLayout{}, time.Now())
	if fe != nil {
		t.Fatal(fe)
	}
	byID := nodesByID(nodes)
	for _, id := range []string{"email:" + email, "phone:" + phone, "iban:" + iban, "acct:bank-a:" + acct, "device:imei:" + device} {
		if _, ok := byID[id]; !ok {
			t.Errorf("no node %s in %v", id, slices.Sorted(maps.Keys(byID)))
		}
	}
	person := byID["person:bank-a:C1"]
	if person.Props["clk"] != payerCLK || person.Props["name"] != "" || person.Props["birthDate"] != "" {
		t.Errorf("person props %v, want clk and no name or birth date", person.Props)
	}
	// Without a customer id the CLK goes on the account, as the holder's name would.
	payee := byID["acct:bank-a:"+acct]
	if payee.Props["holderClk"] != payeeCLK || payee.Props["holderName"] != "" {
		t.Errorf("payee account props %v, want holderClk", payee.Props)
	}
	if got := byID["email:"+email].Props["address"]; got != email {
		t.Errorf("email address %v", got)
	}
}

func TestTransactionsCLKMerchant(t *testing.T) {
	clk := resolve.EncodeCLKString(resolve.EncodeCLK(privKey, "Maria Cruz", ""))
	rec := loaders.TransactionFields(map[string]string{
		"transaction_id": "T1", "timestamp": "2026-01-05 09:15:00", "amount": "12.30", "currency": "EUR",
		"payer_account": "A1", "merchant_id": "M-1", "payee_name": clk,
	})
	nodes, _, fe := rec.Graph("bank-a", graph.Ref{}, loaders.TransactionLayout{}, time.Now())
	if fe != nil {
		t.Fatal(fe)
	}
	if m := nodesByID(nodes)["merchant:bank-a:M-1"]; m.Props["clk"] != clk || m.Props["name"] != "" {
		t.Errorf("merchant props %v", m.Props)
	}
}

func TestPrivacyBadCLK(t *testing.T) {
	good := resolve.EncodeCLKString(resolve.EncodeCLK(privKey, "Max Mustermann", ""))
	for _, tt := range []struct{ value, reason string }{
		{good[:len("clk:")+97], "not standard base64"}, // cut mid-quantum
		{good[:len("clk:")+96], "72 bytes; a CLK has 128"},
		{"clk:AAAA", "3 bytes; a CLK has 128"},
		{"clk:", "0 bytes"},
	} {
		base := map[string]string{"transaction_id": "T1", "timestamp": "2026-01-05 09:15:00", "amount": "1", "currency": "EUR",
			"payer_account": "A1", "payee_account": "B1"}
		for _, col := range []string{"payer_name", "payee_name"} {
			fields := maps.Clone(base)
			fields[col] = tt.value
			_, _, fe := loaders.TransactionFields(fields).Graph("bank-a", graph.Ref{}, loaders.TransactionLayout{}, time.Now())
			if fe == nil || fe.Field != col || !strings.Contains(fe.Reason, tt.reason) {
				t.Errorf("%s %.12q: %v, want an error on %s with %q", col, tt.value, fe, col, tt.reason)
			}
		}
		a := loaders.PlatformAccount{Service: "snapgram", PlatformID: "1", Username: "bob", DisplayName: tt.value}
		if _, _, fe := a.Graph(graph.Ref{}, time.Now()); fe == nil || fe.Field != "display_name" || !strings.Contains(fe.Reason, tt.reason) {
			t.Errorf("display_name %.12q: %v, want an error on display_name with %q", tt.value, fe, tt.reason)
		}
	}
	// A name that merely mentions clk is a name.
	a := loaders.PlatformAccount{Service: "snapgram", PlatformID: "1", Username: "bob", DisplayName: "CLK: the band"}
	if nodes, _, fe := a.Graph(graph.Ref{}, time.Now()); fe != nil || nodes[0].Props["displayName"] != "CLK: the band" {
		t.Errorf("display name %q: %v %v", a.DisplayName, fe, nodes)
	}
}

func TestPlatformKeyed(t *testing.T) {
	handle := resolve.KeyIdentifier(privKey, resolve.IDHandle, "bob_99")
	email := resolve.KeyIdentifier(privKey, resolve.IDEmail, "bob99@mail.example")
	phone := resolve.KeyIdentifier(privKey, resolve.IDPhone, "+639171234567")
	clk := resolve.EncodeCLKString(resolve.EncodeCLK(privKey, "Bob", ""))
	a := loaders.PlatformAccount{Service: "snapgram", PlatformID: "sg-1", Username: handle, DisplayName: clk,
		Email: strings.ToUpper(email), Phone: phone}
	nodes, _, fe := a.Graph(graph.Ref{}, time.Now())
	if fe != nil {
		t.Fatal(fe)
	}
	byID := nodesByID(nodes)
	for _, id := range []string{"handle:" + handle, "email:" + email, "phone:" + phone} {
		if _, ok := byID[id]; !ok {
			t.Errorf("no node %s in %v", id, slices.Sorted(maps.Keys(byID)))
		}
	}
	ua := byID["ua:snapgram:sg-1"]
	if ua.Props["clk"] != clk || ua.Props["displayName"] != "" || ua.Props["username"] != handle {
		t.Errorf("account props %v", ua.Props)
	}
	device := resolve.KeyIdentifier(privKey, resolve.IDDevice, "6d92078a-8246-4ba4-ae5b-76104861e7dc")
	e := loaders.PlatformEvent{Service: "snapgram", PlatformID: "sg-1", Event: "login", Timestamp: "2024-05-01T10:00:00Z",
		DeviceType: "idfa", DeviceID: device}
	nodes, _, fe = e.Graph(graph.Ref{}, time.Now())
	if fe != nil {
		t.Fatal(fe)
	}
	if _, ok := nodesByID(nodes)["device:idfa:"+device]; !ok {
		t.Errorf("no keyed device in %v", nodes)
	}
}
