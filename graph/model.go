package graph

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Label is the kind of a node. Only the labels below ever become Cypher text; every node also
// carries the label Entity, whose unique id constraint lets any node be found by id alone.
//
// The model follows FollowTheMoney (FtM) where FtM has a schema, so FtM data maps cleanly, and
// adds what CSE investigations need and FtM lacks: shared identifier nodes (Email, Phone,
// IPAddress, Device, FileHash, Handle), Report, Merchant and Transaction.
type Label string

// Node labels.
const (
	LabelPerson       Label = "Person"       // a natural person (FtM Person)
	LabelOrganization Label = "Organization" // FtM Organization
	LabelCompany      Label = "Company"      // FtM Company
	LabelBankAccount  Label = "BankAccount"  // bank, card, e-wallet or remitter account (FtM BankAccount)
	LabelCryptoWallet Label = "CryptoWallet" // FtM CryptoWallet
	LabelUserAccount  Label = "UserAccount"  // an account on an online platform (FtM UserAccount)
	LabelAddress      Label = "Address"      // FtM Address
	LabelMerchant     Label = "Merchant"     // a card acceptor, with its merchant category
	LabelReport       Label = "Report"       // CyberTipline report, SAR, SMR or IFTI
	LabelTransaction  Label = "Transaction"  // one money movement (FtM Payment)
	LabelEmail        Label = "Email"        // shared identifier: an e-mail address
	LabelPhone        Label = "Phone"        // shared identifier: an E.164 phone number
	LabelIPAddress    Label = "IPAddress"    // shared identifier: an IP address
	LabelDevice       Label = "Device"       // shared identifier: IMEI, ICCID, advertising or device id
	LabelFileHash     Label = "FileHash"     // shared identifier: a file hash (never content)
	LabelHandle       Label = "Handle"       // shared identifier: a username seen in free text
	LabelSource       Label = "Source"       // provenance: a partner's dataset or file
)

// Labels lists every domain label (Source excluded).
var Labels = []Label{
	LabelPerson, LabelOrganization, LabelCompany, LabelBankAccount, LabelCryptoWallet,
	LabelUserAccount, LabelAddress, LabelMerchant, LabelReport, LabelTransaction, LabelEmail,
	LabelPhone, LabelIPAddress, LabelDevice, LabelFileHash, LabelHandle,
}

// Valid reports whether l is one of the domain labels.
func (l Label) Valid() bool {
	for _, k := range Labels {
		if l == k {
			return true
		}
	}
	return false
}

// RelType is the type of a relationship; like labels, only these become Cypher text.
type RelType string

// Relationship types.
const (
	RelHolds          RelType = "HOLDS"            // Person|Organization|Company -> BankAccount|CryptoWallet
	RelHasUserAccount RelType = "HAS_USER_ACCOUNT" // Person|Organization|Company -> UserAccount
	RelSent           RelType = "SENT"             // payer (account or party) -> Transaction
	RelTo             RelType = "TO"               // Transaction -> payee (account, party or Merchant)
	RelFlow           RelType = "FLOW"             // payer -> payee aggregate per currency (maintained by graph)
	RelMentions       RelType = "MENTIONS"         // Transaction|Report -> Handle|Email|Phone|... seen in free text
	RelUsesEmail      RelType = "USES_EMAIL"       // anything -> Email
	RelUsesPhone      RelType = "USES_PHONE"       // anything -> Phone
	RelUsesDevice     RelType = "USES_DEVICE"      // anything -> Device
	RelLoggedInFrom   RelType = "LOGGED_IN_FROM"   // UserAccount|Person|Transaction -> IPAddress, one per capture event
	RelHasHandle      RelType = "HAS_HANDLE"       // UserAccount -> Handle (its username, normalised)
	RelHasAddress     RelType = "HAS_ADDRESS"      // anything -> Address
	RelSubjectOf      RelType = "SUBJECT_OF"       // reported person or account -> Report
	RelRecipientIn    RelType = "RECIPIENT_IN"     // intended recipient -> Report
	RelVictimIn       RelType = "VICTIM_IN"        // victim -> Report
	RelReporterOf     RelType = "REPORTER_OF"      // filer -> Report
	RelRefersTo       RelType = "REFERS_TO"        // Report -> earlier Report (priorCTReports, prior BSA id)
	RelReportedFile   RelType = "REPORTED_FILE"    // Report -> FileHash
	RelOwns           RelType = "OWNS"             // FtM Ownership: owner -> asset
	RelDirectorOf     RelType = "DIRECTOR_OF"      // FtM Directorship
	RelAssociateOf    RelType = "ASSOCIATE_OF"     // FtM Associate
	RelFamilyOf       RelType = "FAMILY_OF"        // FtM Family
	RelLinkedTo       RelType = "LINKED_TO"        // FtM UnknownLink
)

// RelTypes lists every relationship type a batch may carry (FLOW is maintained by graph).
var RelTypes = []RelType{
	RelHolds, RelHasUserAccount, RelSent, RelTo, RelMentions, RelUsesEmail, RelUsesPhone,
	RelUsesDevice, RelLoggedInFrom, RelHasHandle, RelHasAddress, RelSubjectOf, RelRecipientIn,
	RelVictimIn, RelReporterOf, RelRefersTo, RelReportedFile, RelOwns, RelDirectorOf,
	RelAssociateOf, RelFamilyOf, RelLinkedTo,
}

// Valid reports whether t may be written in a batch.
func (t RelType) Valid() bool {
	for _, k := range RelTypes {
		if t == k {
			return true
		}
	}
	return false
}

// Source says who provides facts: a partner (bank, platform, hotline, agency), one of its
// datasets, and the file (or "api"). Every fact written records its Source.
type Source struct {
	Partner string // institution or partner, e.g. "bank-a"
	Dataset string // e.g. "card-transactions"
	File    string // file name without folders, or "api"
}

// ID is the Source's stable id: the same partner, dataset and file give the same id.
func (s Source) ID() string {
	return "src:" + shortHash(s.Partner, s.Dataset, s.File)
}

// Validate checks that the source names its partner and dataset.
func (s Source) Validate() error {
	switch {
	case strings.TrimSpace(s.Partner) == "":
		return Errorf(EINVALID, "source: partner is empty")
	case strings.TrimSpace(s.Dataset) == "":
		return Errorf(EINVALID, "source: dataset is empty")
	}
	return nil
}

// Ref locates one record within a Source, and when the source says the fact held.
type Ref struct {
	Line   int       // line number in the file (1-based), 0 when not line-based
	Record string    // the source's own record id, when it has one
	Seen   time.Time // when the source observed the fact (zero: unknown)
}

// String renders the reference for provenance lists: "line 12", "record tx-9", or both.
func (r Ref) String() string {
	switch {
	case r.Line > 0 && r.Record != "":
		return fmt.Sprintf("line %d record %s", r.Line, r.Record)
	case r.Line > 0:
		return fmt.Sprintf("line %d", r.Line)
	default:
		return "record " + r.Record
	}
}

// Node is one node to write: MERGEd by id, its properties set, its provenance recorded.
// Props values may be string, int64, int, float64, bool, time.Time, []string or []int64; nil
// and empty strings are skipped (a source that does not know a value never erases another's).
type Node struct {
	Label Label
	ID    string
	Props map[string]any
	Ref   Ref
}

// Edge is one relationship to write between two nodes given by id. Key, when set, tells apart
// several relationships of one type between the same pair (e.g. one LOGGED_IN_FROM per capture
// event); without it there is at most one.
type Edge struct {
	Type  RelType
	From  string
	To    string
	Key   string
	Props map[string]any
	Ref   Ref
}

// Batch is a set of nodes and edges written together. Edges may refer to nodes in the same batch
// or already stored; an edge whose end is neither is an error.
type Batch struct {
	Nodes []Node
	Edges []Edge
}

// Len is the number of items in the batch.
func (b *Batch) Len() int { return len(b.Nodes) + len(b.Edges) }

// Reset empties the batch, keeping its capacity.
func (b *Batch) Reset() { b.Nodes, b.Edges = b.Nodes[:0], b.Edges[:0] }

// WriteStats counts what a write changed in the database.
type WriteStats struct {
	NodesCreated         int
	RelationshipsCreated int
	PropertiesSet        int
}

// Add adds o to s.
func (s *WriteStats) Add(o WriteStats) {
	s.NodesCreated += o.NodesCreated
	s.RelationshipsCreated += o.RelationshipsCreated
	s.PropertiesSet += o.PropertiesSet
}

// Stable ids. Each is derived from the keys that identify the thing in its source, so that the
// same record loaded twice is the same node. Shared identifiers have global ids (the same email
// from any source is one node); records that only their source can identify (a bank's customer,
// a transaction) are scoped by partner.

// EmailID is the id of the Email node of a normalised address.
func EmailID(normalized string) string { return "email:" + normalized }

// PhoneID is the id of the Phone node of an E.164 number.
func PhoneID(e164 string) string { return "phone:" + e164 }

// IPID is the id of the IPAddress node of a canonical address.
func IPID(canonical string) string { return "ip:" + canonical }

// DeviceID is the id of the Device node of an identifier of a kind (IMEI, ICCID, ...).
func DeviceID(kind, value string) string {
	return "device:" + strings.ToLower(kind) + ":" + value
}

// FileHashID is the id of the FileHash node of a normalised hash.
func FileHashID(algorithm, value string) string {
	return "hash:" + strings.ToLower(algorithm) + ":" + value
}

// HandleID is the id of the Handle node of a normalised handle.
func HandleID(normalized string) string { return "handle:" + normalized }

// IBANAccountID is the id of a BankAccount known by its IBAN, the same at every bank.
func IBANAccountID(iban string) string { return "iban:" + iban }

// AccountID is the id of an account known only by a partner-scoped number (card token, wallet
// id, remitter customer number).
func AccountID(partner, number string) string { return "acct:" + scope(partner) + ":" + number }

// CryptoWalletID is the id of a CryptoWallet by its currency and address.
func CryptoWalletID(symbol, address string) string {
	return "wallet:" + strings.ToLower(symbol) + ":" + address
}

// UserAccountID is the id of a platform account: the service and the platform's own id.
func UserAccountID(service, platformID string) string {
	return "ua:" + scope(service) + ":" + platformID
}

// PartyID is the id of a person or organisation as one partner knows it (its customer id);
// entity resolution, not the loader, decides when two parties are the same.
func PartyID(label Label, partner, key string) string {
	return strings.ToLower(string(label)) + ":" + scope(partner) + ":" + key
}

// TransactionID is the id of a transaction: the partner and its transaction id.
func TransactionID(partner, txID string) string { return "tx:" + scope(partner) + ":" + txID }

// ReportID is the id of a report by type (cybertip, sar, smr, ifti) and its report number.
func ReportID(kind, number string) string { return "report:" + strings.ToLower(kind) + ":" + number }

// MerchantID is the id of a merchant as a partner names it.
func MerchantID(partner, key string) string { return "merchant:" + scope(partner) + ":" + key }

// AddressID is the id of an address: a hash of its normalised full text and country.
func AddressID(full, country string) string {
	return "addr:" + shortHash(strings.ToLower(strings.Join(strings.Fields(full), " ")), strings.ToUpper(country))
}

// FtMID is the id of an entity loaded from FollowTheMoney data, namespaced by dataset as FtM
// itself does, so that user-supplied ids of two datasets never collide.
func FtMID(dataset, id string) string { return "ftm:" + scope(dataset) + ":" + id }

// scope lower-cases and trims a partner or service name for use inside an id.
func scope(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func shortHash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:24]
}
