// Package detect finds the financial indicators of child sexual exploitation (CSE) and the
// money-laundering shapes of AML practice in a set of transactions and cross-sector facts, and
// says why: every Signal carries its evidence (the transactions, entities and links that
// triggered it), and signals combine into a per-entity risk Score with a breakdown, never a bare
// number. It is pure Go with no database: graph reads the transactions and the cross-sector
// facts out of Neo4j, hands them here, and stores what comes back; `crosslink eval detect` does
// the same with the labelled data sets.
//
// Rules come in four families, each configured in the YAML file of Config (thresholds,
// windows, weights, high-risk-jurisdiction lists, keyword lexicons; see default.yaml):
//
//   - cse: the indicators of DOMAIN.md D1–D3 (low-value remittances to high-risk jurisdictions,
//     unrelated recipients, facilitator fan-in, round amounts, night-time payments, cover
//     references and handles, escalation and travel, VPN and live-streaming merchants,
//     micro-subscriptions, sextortion bursts, mule accounts);
//   - cross: the cross-sector links of D4 (a customer's e-mail, phone, device or login IP in a
//     CyberTipline report; a payment reference handle that is a reported username; payments to
//     a recipient linked to a reported account; file hashes shared across reports);
//   - aml: the graph shapes (fan-in, fan-out, cycles, scatter-gather, gather-scatter, layering
//     chains);
//   - network: community and centrality signals computed by graph with GDS and handed in as
//     facts.
//
// Sources agree that no single weak indicator is enough: a rule marked weak never raises an
// alert alone, however strongly it fires (see Score).
package detect

import (
	"time"
)

// Families of rules.
const (
	FamilyCSE     = "cse"     // DOMAIN.md D1–D3
	FamilyCross   = "cross"   // DOMAIN.md D4
	FamilyAML     = "aml"     // graph laundering shapes
	FamilyNetwork = "network" // GDS communities and centrality
)

// Tx is one money movement. From and To are graph node ids: an account (bank, card, wallet,
// remitter), a party paying or paid directly (FtM Payment), or a merchant.
type Tx struct {
	ID           string    // the Transaction node's id
	From, To     string    // payer and payee node ids
	Amount       int64     // in minor units of Currency
	Currency     string    // ISO 4217
	At           time.Time // UTC
	Channel      string    // bank_transfer, card, msb, p2p, crypto, atm, cash, other or ""
	Reference    string    // free text of the payment
	MCC          string    // merchant category code, when the payee is a merchant or the row gives one
	MerchantName string    // the merchant's name, when known
	PayerCountry string    // ISO 3166 alpha-2 or ""
	PayeeCountry string
	ToMerchant   bool     // the payee is a Merchant node
	Mentions     []string // handles seen in the reference (normalised, without @)
}

// Party is what is known of the holder of an account, or of a party that pays directly.
type Party struct {
	ID        string    // the party's node id (Person, Organization, Company), or the account's id when nobody is known to hold it
	Name      string    // full name as given ("" when unknown or sent as a CLK)
	Surname   string    // when the source splits it; otherwise derived from Name
	BirthDate time.Time // zero when unknown
	Country   string
	Person    bool // a natural person (not an organisation)
	Customer  bool // a customer of the partner that reported the account (KYC known)
}

// Account is a payer or payee node of the transactions.
type Account struct {
	ID      string
	Type    string // bank, card, wallet, remitter, or "" (merchants and parties have none)
	Country string
	Holder  *Party // nil when nothing is known of the holder
}

// Input is everything one run looks at. Txs need not be sorted.
type Input struct {
	Txs      []Tx
	Accounts map[string]*Account // by node id; payers and payees missing here are treated as unknown accounts
	Facts    Facts               // cross-sector and network facts read by graph
	Now      time.Time           // the time of the run; zero means the latest transaction's time
}

// Facts are what graph reads with Cypher and GDS for the cross and network families: joins across
// sectors that no transaction list holds.
type Facts struct {
	Identifiers []IdentifierHit // an identifier of a subject also appears in a report
	Handles     []HandleHit     // a payment reference names a reported platform username
	Recipients  []RecipientHit  // a payment to a recipient linked to a reported account
	FileHashes  []FileHashHit   // the same file hash in several reports
	Communities []CommunityFact // money-flow communities with their members and centrality
}

// IdentifierHit says that a subject (a customer or its account) uses an identifier that an
// entity named in a report also uses.
type IdentifierHit struct {
	Subject    string    // the customer's (or account's) node id
	Kind       string    // email, phone, device, ip, or resolved (resolution says the subject is the reported entity)
	Identifier string    // the identifier's node id
	Report     string    // the Report's node id
	Role       string    // subject, recipient, victim: the reported entity's role
	Reported   string    // the reported entity's node id (a UserAccount or Person)
	SubjectAt  time.Time // ip: when the subject used the address (zero otherwise)
	ReportAt   time.Time // ip: when the reported entity used it
	SubjectPort,
	ReportPort int // ip: source ports when captured (0 when not)
	Proxy  bool   // ip: the report flags the capture as a possible proxy
	Shared int    // how many entities use the identifier in all (a CGNAT address, a family e-mail)
	Tx     string // ip: the subject's payment made from the address
}

// HandleHit says that a payment reference mentions a handle that is the username of a platform
// account named in a report.
type HandleHit struct {
	Tx          string // the Transaction node id
	Subject     string // the payer's node id (account or party)
	Handle      string // the Handle node id
	UserAccount string // the reported platform account
	Report      string
	Role        string
}

// RecipientHit says that a payment went to a recipient whose holder is linked, through
// resolution or a shared strong identifier, to an account named in a report.
type RecipientHit struct {
	Tx        string // the Transaction node id
	Subject   string // the payer's node id
	Recipient string // the payee's node id
	Reported  string // the reported entity
	Report    string
	Role      string
	Via       string // how the recipient and the reported entity are linked: "resolved:<id>" or an identifier node id
}

// FileHashHit says that one file hash is in several reports; the subjects of each report get
// the others as evidence.
type FileHashHit struct {
	Hash     string   // the FileHash node id
	Reports  []string // Report node ids, at least 2
	Subjects []string // the entities those reports name as subject
}

// CommunityFact is one community of the money-flow graph (GDS Louvain), with the centrality of
// its members.
type CommunityFact struct {
	ID         string             // stable within a run
	Members    []string           // node ids (accounts and parties)
	PageRank   map[string]float64 // by member
	HRJFlow    int64              // money into high-risk jurisdictions within and out of the community (minor units, mixed currencies summed in EUR cents)
	TotalFlow  int64
	Modularity float64
}

// Signal is one rule firing for one entity, with its evidence.
type Signal struct {
	Rule      string  // the rule's name, e.g. "hrj_remittance"
	Family    string  // cse, cross, aml, network
	Indicator string  // the indicator followed, e.g. "D1.1" (DOMAIN.md) or "AML fan-in"
	Subject   string  // the entity the signal is about (a party when the account has a known holder, else the account)
	Strength  float64 // 0..1: how strongly the rule fires (1 = far past its threshold)
	Summary   string  // one sentence an analyst reads, with the numbers
	Evidence  Evidence
	Key       string // distinguishes several signals of one rule for one subject (a cycle's id); "" for one per subject
}

// Evidence is what a signal rests on, in a form the UI can draw.
type Evidence struct {
	Transactions []string       // Transaction node ids, oldest first (capped at Config.MaxEvidence)
	Entities     []string       // other node ids involved: counterparties, reports, identifiers, handles
	Links        []Link         // edges to draw that are not transactions
	Facts        map[string]any // the numbers the rule compared: counts, sums, thresholds, windows
	Truncated    int            // transactions left out past the cap
}

// Link is a relationship between two entities in the evidence of a signal.
type Link struct {
	From, To string
	Type     string // e.g. USES_EMAIL, SUBJECT_OF, SAME_IP
}
