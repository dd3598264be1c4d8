// Package resolve decides which records of persons and organisations, from any source, are the
// same real-world entity, and says why. It is pure Go with no database: graph reads the records
// out of Neo4j, hands them here, and stores what comes back (the links, their evidence, the
// clusters), and so does `crosslink eval resolve` with the labelled data sets.
//
// The method is the one record-linkage practice settled on (Fellegi and Sunter, as Splink
// implements it):
//
//  1. Blocking: each record gets keys (name tokens and their phonetic codes with the birth year,
//     surname code with the postcode, each strong identifier, bands of its Bloom-filter
//     encoding); only records that share a key are compared, never all pairs. A key shared by
//     more than Config.MaxBlock records is dropped (a family e-mail, a CGNAT address).
//  2. Comparison: every candidate pair gets a level per field (given name, surname, birth date,
//     address, postcode, city, gender, country, each identifier kind, the Bloom filters):
//     exact, close by Jaro-Winkler or edit distance, disagreeing, or unknown.
//  3. Weights: each level has m (how often true matches show it) and u (how often non-matches
//     do); u comes from random pairs, m and the prior from EM over the candidate pairs, or both
//     from a configured Model. A pair's match weight is the sum of log2(m/u), with exact
//     identifier agreement adjusted by how many records share the value (an e-mail on 500
//     accounts says little); its probability follows from the prior.
//  4. Clustering: pairs over Config.MatchThreshold join clusters, strongest first, unless the
//     join would break a human judgement, grow a cluster past Config.MaxCluster, or put two
//     records together that contradict each other (a pair that was compared and strongly
//     disagrees, or whose names clearly differ though an identifier agrees: twins, a family
//     e-mail). Those go to review instead: no transitive chains of weak links.
//
// Human judgements (Same, Different, Unsure) are always respected: Same links two records
// whatever their score, Different keeps them (and so their clusters) apart.
package resolve

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
)

// Kind is what a record describes; only records of one kind are compared.
type Kind string

// Kinds of records.
const (
	KindPerson       Kind = "person"       // a natural person, or an account a person uses
	KindOrganization Kind = "organization" // a company, organisation or public body
)

// Identifier kinds. Values are normalised the way graph normalises them (lower-cased e-mail,
// E.164 phone, IBAN without spaces, ...), or are keyed hashes "hmac:<64 hex>" of that normal
// form sent by a partner in the privacy-preserving mode.
const (
	IDEmail      = "email"       // an e-mail address
	IDPhone      = "phone"       // an E.164 phone number
	IDAccount    = "account"     // a bank account, card token, e-wallet or IBAN (graph node id)
	IDWallet     = "wallet"      // a crypto wallet address
	IDDevice     = "device"      // a device id (IMEI, ICCID, advertising id)
	IDPlatform   = "platform"    // an account on an online platform: service and its id
	IDHandle     = "handle"      // a username, normalised
	IDNationalID = "national_id" // a national identity or social-security number
	IDRegistry   = "registry"    // a company registration number, LEI, tax id
	IDIP         = "ip"          // an IP address the record logged in from (weak: shared by CGNAT)
	IDFileHash   = "file_hash"   // a hash of a file the record reported or was reported with
)

// Identifier is one identifying value of a record.
type Identifier struct {
	Kind  string
	Value string
}

// Record is one source's description of a person or organisation. Empty fields are unknown.
type Record struct {
	ID     string // the record's id (its node id in the graph)
	Kind   Kind
	Source string // the partner that holds the record ("" when unknown)

	Name      string // the full name as given (persons and organisations)
	GivenName string // when the source splits names
	Surname   string
	Aliases   []string // other names and pseudonyms (FtM alias, platform display names): they add evidence when they agree, never contradict

	BirthDate string // "YYYY-MM-DD", "YYYYMMDD", "YYYY-MM" or "YYYY"
	Gender    string // "male", "female", "other" or ""
	Country   string // ISO 3166 alpha-2

	Street   string // street number and name
	City     string // city or suburb
	Postcode string

	Identifiers []Identifier

	// CLK is a Bloom-filter encoding of the name and birth date (see EncodeCLK), sent by a
	// partner instead of clear values; it is compared with other CLKs, and with clear records
	// encoded under the same key, by Dice similarity.
	CLK []byte
}

// Fingerprint is a digest of everything resolution reads from the record: graph stores it after
// a run, and an incremental run resolves only the records whose fingerprint changed.
func (r *Record) Fingerprint() string {
	h := sha256.New()
	w := func(s string) { h.Write([]byte(s)); h.Write([]byte{0}) }
	w(string(r.Kind))
	w(r.Name)
	w(r.GivenName)
	w(r.Surname)
	aliases := slices.Clone(r.Aliases)
	slices.Sort(aliases)
	w(strings.Join(aliases, "\x01"))
	w(r.BirthDate)
	w(r.Gender)
	w(r.Country)
	w(r.Street)
	w(r.City)
	w(r.Postcode)
	ids := make([]string, 0, len(r.Identifiers))
	for _, id := range r.Identifiers {
		ids = append(ids, id.Kind+":"+id.Value)
	}
	slices.Sort(ids)
	w(strings.Join(ids, "\x01"))
	h.Write(r.CLK)
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// Verdict is an investigator's judgement of a pair of records.
type Verdict string

// Verdicts.
const (
	Same      Verdict = "SAME"      // one entity: linked whatever the score
	Different Verdict = "DIFFERENT" // two entities: never in one cluster
	Unsure    Verdict = "UNSURE"    // recorded; the pair stays out of automatic links and in review
)

// Valid reports whether v is a known verdict.
func (v Verdict) Valid() bool { return v == Same || v == Different || v == Unsure }

// Judgement is the standing verdict on a pair.
type Judgement struct {
	A, B    string
	Verdict Verdict
}

// Status is what resolution did with a scored pair.
type Status string

// Pair statuses.
const (
	Linked   Status = "LINKED"   // the pair joined one cluster (or was judged SAME)
	Review   Status = "REVIEW"   // needs a human: a likely match held back, with the reason
	Rejected Status = "REJECTED" // judged DIFFERENT, or scored under the review threshold
)

// Evidence is one field's contribution to a pair's score.
type Evidence struct {
	Field  string  `json:"field"`            // e.g. "surname", "birth_date", "email"
	Level  string  `json:"level"`            // e.g. "exact", "jaro-winkler >= 0.92", "disagree"
	Weight float64 `json:"weight"`           // log2(m/u), with any term-frequency adjustment
	Detail string  `json:"detail,omitempty"` // e.g. "shared by 3 records", "0.94"
}

// Pair is a scored candidate pair (A < B).
type Pair struct {
	A, B        string
	Weight      float64 // total match weight (prior included)
	Probability float64
	Evidence    []Evidence // fields with a level other than unknown, strongest first
	Status      Status
	Reason      string // why a likely match is in review, or "judged SAME"/"judged DIFFERENT"
}

// Cluster is one resolved entity: two or more records.
type Cluster struct {
	ID      string   // stable: derived from the smallest member id
	Kind    Kind     // person or organization
	Members []string // sorted
	Links   []Pair   // the links that joined it (a spanning tree)
}

// ClusterID is the id of the resolved entity whose smallest member id is min.
func ClusterID(min string) string {
	sum := sha256.Sum256([]byte(min))
	return "re:" + hex.EncodeToString(sum[:])[:24]
}
