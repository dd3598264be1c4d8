package loaders

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/crosslink/crosslink/graph"
)

func init() { Register(FtM{}) }

// FtM loads FollowTheMoney entity streams: JSON lines, one entity per line, as written by
// `ftm export`, nomenklatura and OpenSanctions. See docs/formats.md "ftm".
//
// The registered format takes its namespace from the file name. Library callers (the GraphQL
// ingest, tests) that have no meaningful file name set Namespace themselves.
type FtM struct {
	// Namespace scopes the entity ids (graph.FtMID), as FtM namespaces ids per dataset, so that
	// the ids of two streams never collide. Empty: the input's base name without its extension
	// ("donations" for data/donations.ijson).
	Namespace string
}

// Name is "ftm".
func (FtM) Name() string { return "ftm" }

// Describe is the one-line help of `crosslink load`.
func (FtM) Describe() string {
	return "FollowTheMoney entities (JSON lines: Person, Company, Payment, Ownership, ...)"
}

// ftmMaxLine bounds one line. FtM entities are small; a longer line is a broken export (or a
// Document's full text, which Crosslink does not load) and is rejected without buffering it.
const ftmMaxLine = 16 << 20

// ftmMaxRaw bounds the copy of a rejected line kept in the rejects file.
const ftmMaxRaw = 4096

// Parse streams an FtM entity stream. Each line is one record: an entity becomes nodes and
// relationships (out.Add) or a reject. A value that cannot be used (a country code that is not
// ISO 3166, an e-mail that is not one) is left out with a reject naming the property while the
// rest of the entity loads, so such a line counts once in each.
//
// FtM streams are not ordered: an entity may refer to another that comes later. A relationship
// is written as soon as both its ends have been read; until then it waits, and a reference
// still open at the end of the stream is rejected with the line that made it. Memory therefore
// grows with the entities of the stream (16 bytes of hash per id) and the waiting
// relationships, not with the properties.
func (f FtM) Parse(ctx context.Context, file string, r io.Reader, out *Emitter) error {
	ns := f.Namespace
	if ns == "" {
		var err error
		if ns, err = ftmNamespaceOf(file); err != nil {
			return err
		}
	}
	s := &ftmStream{ns: ns, seen: map[ftmKey]uint8{}, waiting: map[ftmKey][]*ftmWait{}}
	br := bufio.NewReaderSize(r, 64<<10)
	// One clock per file: every record of a file is checked against the same "future".
	now := time.Now()
	var buf []byte
	for line := 1; ; line++ {
		if line%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		b, tooLong, rerr := ftmReadLine(br, buf[:0])
		buf = b
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return fmt.Errorf("line %d: %w", line, rerr)
		}
		switch {
		case tooLong:
			out.Reject(Reject{Line: line, Reason: fmt.Sprintf("line longer than %d MiB; not read", ftmMaxLine>>20)})
		case len(bytes.TrimSpace(b)) > 0:
			if err := s.record(line, b, now, out); err != nil {
				return err
			}
		}
		if rerr != nil {
			break
		}
	}
	s.finish(out)
	return nil
}

// ftmNamespaceOf derives the namespace of a stream from its file name.
func ftmNamespaceOf(file string) (string, error) {
	base := baseName(file)
	ns := strings.TrimSpace(strings.TrimSuffix(base, path.Ext(base)))
	if ns == "" {
		return "", fmt.Errorf("cannot take an FtM namespace from the file name %q; name the file after its dataset", base)
	}
	// ':' separates the parts of an id: namespace "a:b" with id "c" must not be "a" with "b:c".
	return strings.ReplaceAll(ns, ":", "_"), nil
}

// ftmReadLine reads one line into buf without its line ending. A line longer than ftmMaxLine is
// read to its end and dropped (tooLong), so that one bad line costs no memory. err is io.EOF
// with the last line when the input does not end in a newline, and with an empty line after
// the end.
func ftmReadLine(br *bufio.Reader, buf []byte) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(buf)+len(chunk) > ftmMaxLine+2 { // +2: the line ending "\r\n"
				tooLong, buf = true, buf[:0]
			} else {
				buf = append(buf, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		buf = bytes.TrimSuffix(bytes.TrimSuffix(buf, []byte("\n")), []byte("\r"))
		if len(buf) > ftmMaxLine {
			tooLong, buf = true, buf[:0]
		}
		return buf, tooLong, err
	}
}

// ftmKey identifies an FtM id in a stream's memory: a hash, so that a stream of long ids costs
// 16 bytes per entity. 128 bits make a collision as unlikely as a stray bit in RAM.
type ftmKey [16]byte

func ftmKeyOf(id string) ftmKey {
	sum := sha256.Sum256([]byte(id))
	return ftmKey(sum[:16])
}

// ftmLinkCode marks an id seen as a relationship (Ownership, ...) rather than a node; node ids
// are marked with their label's code.
const ftmLinkCode = 255

// ftmLabelCode is the code of a label in a stream's memory: its index in graph.Labels plus one.
func ftmLabelCode(l graph.Label) uint8 {
	for i, k := range graph.Labels {
		if k == l {
			return uint8(i + 1)
		}
	}
	return 0
}

// ftmStream holds what one stream has read so far: the kind of every entity id, and the
// relationships waiting for an entity that has not come yet.
type ftmStream struct {
	ns      string
	seen    map[ftmKey]uint8
	waiting map[ftmKey][]*ftmWait
}

// ftmWait is the relationships of one line that wait for missing entities.
type ftmWait struct {
	line    int
	record  string
	edges   []FtMEdge
	missing int // distinct ids not read yet
}

// isNode reports whether the stream has read id as an entity that became a node.
func (s *ftmStream) isNode(id string) bool {
	c, ok := s.seen[ftmKeyOf(id)]
	return ok && c != ftmLinkCode
}

func (s *ftmStream) ready(e FtMEdge) bool {
	for _, n := range e.Needs {
		if !s.isNode(n.ID) {
			return false
		}
	}
	return true
}

// record parses one line and reports it to out. The error is the emitter's: the load stops.
func (s *ftmStream) record(line int, b []byte, now time.Time, out *Emitter) error {
	ent, fe := decodeFtMEntity(b)
	if fe != nil {
		out.RejectErr(line, ftmRaw(b), fe)
		return nil
	}
	g, fe := ent.Graph(s.ns, graph.Ref{Line: line, Record: ent.ID}, now)
	if fe != nil {
		out.RejectErr(line, ftmRaw(b), fe)
		return nil
	}
	code := uint8(ftmLinkCode)
	if len(g.Nodes) > 0 {
		code = ftmLabelCode(g.Nodes[0].Label)
	}
	k := ftmKeyOf(ent.ID)
	if prev, ok := s.seen[k]; ok && prev != code {
		out.RejectErr(line, ftmRaw(b), Fieldf("schema", "%s conflicts with an earlier line of entity %s, loaded as %s; aggregate FtM fragments first (ftm aggregate)",
			ent.Schema, ent.ID, ftmCodeName(prev)))
		return nil
	}
	s.seen[k] = code

	var edges []graph.Edge
	var missing map[string]bool
	for _, e := range g.Edges {
		if s.ready(e) {
			edges = append(edges, e.Edge)
			continue
		}
		if missing == nil {
			missing = map[string]bool{}
		}
		for _, n := range e.Needs {
			if !s.isNode(n.ID) {
				missing[n.ID] = true
			}
		}
	}
	if len(missing) > 0 {
		w := &ftmWait{line: line, record: ent.ID, edges: g.Edges, missing: len(missing)}
		for id := range missing {
			mk := ftmKeyOf(id)
			s.waiting[mk] = append(s.waiting[mk], w)
		}
	}
	if code != ftmLinkCode {
		edges = append(edges, s.resolve(k, ent.ID)...)
	}
	if err := out.Add(g.Nodes, edges); err != nil {
		return err
	}
	for _, sk := range g.Skipped {
		out.RejectErr(line, ftmRaw(b), sk)
	}
	return nil
}

// resolve returns the waiting relationships that the entity id, just read, completes. When a
// line has nothing left to wait for, all its relationships to other entities are returned
// again, together: a Payment's SENT and TO must be in one batch for its FLOW to be counted, and
// writing a relationship twice changes nothing.
func (s *ftmStream) resolve(k ftmKey, id string) []graph.Edge {
	ws := s.waiting[k]
	if ws == nil {
		return nil
	}
	delete(s.waiting, k)
	var edges []graph.Edge
	for _, w := range ws {
		w.missing--
		for _, e := range w.edges {
			switch {
			case len(e.Needs) == 0:
				// Written with its line already.
			case w.missing == 0, s.ready(e) && ftmNeeds(e, id):
				edges = append(edges, e.Edge)
			}
		}
	}
	return edges
}

func ftmNeeds(e FtMEdge, id string) bool {
	for _, n := range e.Needs {
		if n.ID == id {
			return true
		}
	}
	return false
}

// finish rejects the references still open at the end of the stream, in line order, one per
// property and missing id.
func (s *ftmStream) finish(out *Emitter) {
	open := map[*ftmWait]bool{}
	var ws []*ftmWait
	for _, list := range s.waiting {
		for _, w := range list {
			if !open[w] {
				open[w] = true
				ws = append(ws, w)
			}
		}
	}
	sort.Slice(ws, func(i, j int) bool { return ws[i].line < ws[j].line })
	for _, w := range ws {
		var refs []FtMRef
		types := map[FtMRef][]string{}
		for _, e := range w.edges {
			for _, r := range e.Needs {
				if s.isNode(r.ID) {
					continue
				}
				if _, ok := types[r]; !ok {
					refs = append(refs, r)
				}
				if t := string(e.Type); !ftmHas(types[r], t) {
					types[r] = append(types[r], t)
				}
			}
		}
		for _, r := range refs {
			reason := fmt.Sprintf("entity %s is not in the stream; %s not loaded", r.ID, strings.Join(types[r], ", "))
			if c, ok := s.seen[ftmKeyOf(r.ID)]; ok && c == ftmLinkCode {
				reason = fmt.Sprintf("entity %s is a relationship, not a node; %s not loaded", r.ID, strings.Join(types[r], ", "))
			}
			out.Reject(Reject{Line: w.line, Field: "properties." + r.Field, Reason: reason, Raw: w.record})
		}
	}
}

func ftmHas(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func ftmCodeName(c uint8) string {
	if c == ftmLinkCode {
		return "a relationship"
	}
	if int(c) >= 1 && int(c) <= len(graph.Labels) {
		return string(graph.Labels[c-1])
	}
	return "another kind"
}

// ftmRaw is a rejected line for the rejects file: valid UTF-8 and at most ftmMaxRaw bytes.
func ftmRaw(b []byte) string {
	cut := false
	if len(b) > ftmMaxRaw {
		b, cut = b[:ftmMaxRaw], true
	}
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	if cut {
		s += "…"
	}
	return s
}

// FtMEntity is one FollowTheMoney entity as a stream carries it. Properties are multi-valued
// strings, as in FtM; values are trimmed and empty ones dropped.
type FtMEntity struct {
	ID         string
	Schema     string
	Properties map[string][]string
	// Referents are the ids nomenklatura merged into this canonical entity; Datasets the
	// datasets it comes from. Both are optional.
	Referents []string
	Datasets  []string
}

// ftmJSON is the top level of a line.
type ftmJSON struct {
	ID         *string             `json:"id"`
	Schema     *string             `json:"schema"`
	Properties map[string][]string `json:"properties"`
	Referents  []string            `json:"referents"`
	Datasets   []string            `json:"datasets"`
}

// decodeFtMEntity reads one line, naming the field at fault when it cannot.
func decodeFtMEntity(b []byte) (FtMEntity, *FieldError) {
	if !utf8.Valid(b) {
		return FtMEntity{}, Fieldf(ftmBadUTF8Field(b), "not valid UTF-8 (convert the file to UTF-8)")
	}
	var j ftmJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return FtMEntity{}, ftmJSONError(b, err)
	}
	e := FtMEntity{Referents: ftmClean(j.Referents), Datasets: ftmClean(j.Datasets)}
	if j.ID != nil {
		e.ID = strings.TrimSpace(*j.ID)
	}
	if j.Schema != nil {
		e.Schema = strings.TrimSpace(*j.Schema)
	}
	switch {
	case j.ID == nil:
		return e, Fieldf("id", "missing; every entity needs its id")
	case e.ID == "":
		return e, Fieldf("id", "empty; every entity needs its id")
	case j.Schema == nil:
		return e, Fieldf("schema", "missing; every entity needs its schema")
	case e.Schema == "":
		return e, Fieldf("schema", "empty; every entity needs its schema")
	}
	e.Properties = make(map[string][]string, len(j.Properties))
	for k, vs := range j.Properties {
		if vs = ftmClean(vs); len(vs) > 0 {
			e.Properties[k] = vs
		}
	}
	return e, nil
}

// ftmJSONError explains why a line is not an entity: bad JSON for the whole line, or the
// top-level key or property whose value has the wrong type.
func ftmJSONError(b []byte, err error) *FieldError {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se) && strings.Contains(se.Error(), "unexpected end"):
		return Fieldf("", "truncated: the JSON object ends early")
	case errors.As(err, &se):
		return Fieldf("", "not valid JSON: %s", se.Error())
	}
	// The line is valid JSON with a value of the wrong type: find which.
	var top map[string]json.RawMessage
	if json.Unmarshal(b, &top) != nil {
		return Fieldf("", "not a JSON object; every line is one FtM entity {\"id\", \"schema\", \"properties\"}")
	}
	var s string
	for _, k := range []string{"id", "schema"} {
		if raw, ok := top[k]; ok && json.Unmarshal(raw, &s) != nil {
			return Fieldf(k, "must be a string")
		}
	}
	var list []string
	for _, k := range []string{"referents", "datasets"} {
		if raw, ok := top[k]; ok && json.Unmarshal(raw, &list) != nil {
			return Fieldf(k, "must be a list of strings")
		}
	}
	var props map[string]json.RawMessage
	if raw, ok := top["properties"]; ok && json.Unmarshal(raw, &props) != nil {
		return Fieldf("properties", "must be an object of property names to lists of strings")
	}
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if json.Unmarshal(props[k], &list) != nil {
			return Fieldf("properties."+k, "must be a list of strings")
		}
	}
	return Fieldf("", "not an FtM entity: %v", err)
}

// ftmBadUTF8Field names the part of a line that holds invalid UTF-8: "id", "schema",
// "properties.<name>", another top-level key, or "" when it cannot tell.
func ftmBadUTF8Field(b []byte) string {
	var top map[string]json.RawMessage
	if json.Unmarshal(b, &top) != nil {
		return ""
	}
	keys := make([]string, 0, len(top))
	for k := range top {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		raw := top[k]
		if utf8.Valid(raw) {
			continue
		}
		if k != "properties" {
			return k
		}
		var props map[string]json.RawMessage
		if json.Unmarshal(raw, &props) == nil {
			pkeys := make([]string, 0, len(props))
			for pk := range props {
				pkeys = append(pkeys, pk)
			}
			sort.Strings(pkeys)
			for _, pk := range pkeys {
				if !utf8.Valid(props[pk]) {
					return "properties." + pk
				}
			}
		}
		return "properties"
	}
	return ""
}

// ftmClean trims values and drops empty ones: an empty string is no value in FtM.
func ftmClean(vs []string) []string {
	out := vs[:0]
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// FtMEdge is a relationship an entity yields, with the entities it needs: their lines may come
// later in the stream, and the relationship can only be written once they are loaded.
type FtMEdge struct {
	graph.Edge
	Needs []FtMRef // the other entities at its ends
}

// FtMRef is a reference from an entity to another: the property and the other's FtM id.
type FtMRef struct {
	Field string // e.g. "payer", "addressEntity"
	ID    string
}

// FtMGraph is what one entity yields.
type FtMGraph struct {
	Nodes []graph.Node
	Edges []FtMEdge
	// Skipped are values left out, each with the property it came from; the entity loads
	// without them.
	Skipped []*FieldError
}

// ftmNodeSchemata are the FtM schemata that become nodes, with their label.
var ftmNodeSchemata = map[string]graph.Label{
	"Person":       graph.LabelPerson,
	"Company":      graph.LabelCompany,
	"Organization": graph.LabelOrganization,
	"LegalEntity":  graph.LabelOrganization,
	"PublicBody":   graph.LabelOrganization,
	"BankAccount":  graph.LabelBankAccount,
	"CryptoWallet": graph.LabelCryptoWallet,
	"UserAccount":  graph.LabelUserAccount,
	"Address":      graph.LabelAddress,
}

// ftmLink is an FtM interstitial schema that becomes one relationship between two entities.
type ftmLink struct {
	rel      graph.RelType
	from, to string // the properties naming the ends
}

var ftmLinks = map[string]ftmLink{
	"Ownership":    {graph.RelOwns, "owner", "asset"},
	"Directorship": {graph.RelDirectorOf, "director", "organization"},
	"Family":       {graph.RelFamilyOf, "person", "relative"},
	"Associate":    {graph.RelAssociateOf, "person", "associate"},
	"UnknownLink":  {graph.RelLinkedTo, "subject", "object"},
}

// ftmOtherSchemata are FtM schemata Crosslink does not load; telling them from typos makes the
// reject say which it is.
var ftmOtherSchemata = map[string]bool{
	"Airplane": true, "Analyzable": true, "Article": true, "Assessment": true, "Asset": true,
	"Audio": true, "Call": true, "CallForTenders": true, "Contract": true, "ContractAward": true,
	"CourtCase": true, "CourtCaseParty": true, "Debt": true, "Document": true,
	"Documentation": true, "EconomicActivity": true, "Email": true, "Employment": true,
	"Event": true, "Folder": true, "HyperText": true, "Identification": true, "Image": true,
	"Interest": true, "Interval": true, "License": true, "Membership": true, "Mention": true,
	"Message": true, "Note": true, "Occupancy": true, "Package": true, "Page": true,
	"Pages": true, "Passport": true, "PlainText": true, "Position": true, "Project": true,
	"ProjectParticipant": true, "RealEstate": true, "Representation": true, "Sanction": true,
	"Security": true, "Similar": true, "Succession": true, "Table": true, "TaxRoll": true,
	"Thing": true, "Trip": true, "Value": true, "Vehicle": true, "Vessel": true, "Video": true,
	"Workbook": true,
}

// ftmCountryProps are the country-typed properties, normalised to ISO 3166-1 alpha-2.
var ftmCountryProps = []string{"birthCountry", "citizenship", "country", "jurisdiction", "mainCountry", "nationality"}

// ftmReserved are the property names Crosslink sets itself or the graph layer uses; an FtM
// property of that name would overwrite them.
var ftmReserved = map[string]bool{
	"id": true, "key": true, "sources": true, "refs": true, "firstSeen": true, "lastSeen": true,
	"ftmId": true, "ftmSchema": true, "ftmReferents": true, "ftmDatasets": true,
	"names": true, "aliases": true, "amountText": true, "currencyText": true,
	"timestamp": true, "reference": true, "transactionId": true, "channel": true,
}

// Graph maps the entity to nodes and relationships in namespace (graph.FtMID); see
// docs/formats.md "ftm". A *FieldError is a reason to reject the whole entity: an id that
// cannot be one, a schema Crosslink does not load, a Payment or relationship without its
// ends. ref locates the line (Record defaults to the entity's id); now bounds dates.
func (e FtMEntity) Graph(namespace string, ref graph.Ref, now time.Time) (FtMGraph, *FieldError) {
	var g FtMGraph
	switch {
	case len(e.ID) > 1024:
		return g, Fieldf("id", "longer than 1024 bytes")
	case strings.IndexFunc(e.ID, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsGraphic(r) }) >= 0:
		return g, Fieldf("id", "contains a space or control character")
	}
	label, isNode := ftmNodeSchemata[e.Schema]
	link, isLink := ftmLinks[e.Schema]
	switch {
	case isNode, isLink, e.Schema == "Payment":
	case ftmOtherSchemata[e.Schema]:
		return g, Fieldf("schema", "schema %s is not loaded; Crosslink loads people, organisations, accounts, addresses, payments and their relationships", e.Schema)
	default:
		return g, Fieldf("schema", "unknown FollowTheMoney schema %q", e.Schema)
	}
	if ref.Record == "" {
		ref.Record = e.ID
	}
	m := &ftmMapping{e: e, ns: namespace, id: graph.FtMID(namespace, e.ID), ref: ref, now: now,
		props: map[string]any{"ftmId": e.ID, "ftmSchema": e.Schema}, used: map[string]bool{}}
	// Country-typed values are normalised wherever they appear.
	for _, name := range ftmCountryProps {
		var ok []string
		for _, v := range m.take(name) {
			c, err := graph.NormalizeCountry(v)
			if err != nil {
				m.skip(AsField("properties."+name, err))
				continue
			}
			if !ftmHas(ok, c) {
				ok = append(ok, c)
			}
		}
		ftmSet(m.props, name, ok)
	}
	var fe *FieldError
	switch {
	case isNode:
		m.entity(label)
	case isLink:
		fe = m.link(link)
	default:
		fe = m.payment()
	}
	if fe != nil {
		return FtMGraph{}, fe
	}

	// What is left keeps its FtM name. Sorted, so that skipped names come in a stable order.
	names := make([]string, 0, len(e.Properties))
	for name := range e.Properties {
		if !m.used[name] {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		if reason := ftmPropNameProblem(name); reason != "" {
			m.skip(Fieldf("properties."+name, "%s; not loaded", reason))
			continue
		}
		ftmSet(m.props, name, e.Properties[name])
	}
	if len(e.Referents) > 0 {
		m.props["ftmReferents"] = e.Referents
	}
	if len(e.Datasets) > 0 {
		m.props["ftmDatasets"] = e.Datasets
	}
	return m.g, nil
}

// ftmMapping is one entity being mapped.
type ftmMapping struct {
	e     FtMEntity
	ns    string
	id    string         // the entity's graph id
	ref   graph.Ref      // its line
	now   time.Time      // bounds dates
	props map[string]any // of its node, or of its relationships
	used  map[string]bool
	g     FtMGraph
}

// take returns the values of a property and marks it as mapped, so that it is not also kept
// under its FtM name.
func (m *ftmMapping) take(name string) []string {
	m.used[name] = true
	return m.e.Properties[name]
}

func (m *ftmMapping) skip(fe *FieldError) { m.g.Skipped = append(m.g.Skipped, fe) }

// other is the graph id of another entity of the stream.
func (m *ftmMapping) other(id string) string { return graph.FtMID(m.ns, id) }

func (m *ftmMapping) edge(typ graph.RelType, from, to string, ref graph.Ref, needs ...FtMRef) {
	m.g.Edges = append(m.g.Edges, FtMEdge{Edge: graph.Edge{Type: typ, From: from, To: to, Ref: ref}, Needs: needs})
}

// ftmSet stores an FtM property: the first value under its name, which is what most entities
// have, and all of them under name+"Values" when there are several.
func ftmSet(props map[string]any, name string, vs []string) {
	if len(vs) == 0 {
		return
	}
	props[name] = vs[0]
	if len(vs) > 1 {
		props[name+"Values"] = vs
	}
}

// ftmPropNameProblem says why a property name cannot be stored, or "". FtM names are lower
// camel case; other names could collide with Crosslink's own (id, key) or pose as ground truth
// (gt...), which detection must never see from an untrusted stream.
func ftmPropNameProblem(name string) string {
	if len(name) == 0 || len(name) > 64 || name[0] < 'a' || name[0] > 'z' {
		return "not a FollowTheMoney property name"
	}
	for i := range len(name) {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return "not a FollowTheMoney property name"
		}
	}
	switch {
	case ftmReserved[name] || strings.HasSuffix(name, "Values"):
		return "name is reserved by Crosslink"
	case len(name) > 2 && name[:2] == "gt" && 'A' <= name[2] && name[2] <= 'Z':
		return "gt... names hold ground truth, which an FtM stream does not set"
	}
	return ""
}

// entity maps a node schema: the node, its identifiers and its references.
func (m *ftmMapping) entity(label graph.Label) {
	if names := m.take("name"); len(names) > 0 {
		m.props["name"], m.props["names"] = names[0], names
	}
	if aliases := m.take("alias"); len(aliases) > 0 {
		m.props["aliases"] = aliases
	}
	if label == graph.LabelBankAccount {
		var ibans []string
		for _, v := range m.take("iban") {
			iban, err := graph.NormalizeIBAN(v)
			if err != nil {
				m.skip(AsField("properties.iban", err))
				continue
			}
			ibans = append(ibans, iban)
		}
		ftmSet(m.props, "iban", ibans)
	}
	m.g.Nodes = append(m.g.Nodes, graph.Node{Label: label, ID: m.id, Props: m.props, Ref: m.ref})

	identifier := func(l graph.Label, id, key, value string, rel graph.RelType) {
		m.g.Nodes = append(m.g.Nodes, graph.Node{Label: l, ID: id, Ref: m.ref, Props: map[string]any{key: value}})
		m.edge(rel, m.id, id, m.ref)
	}
	for _, v := range m.take("email") {
		email, err := graph.NormalizeEmail(v)
		if err != nil {
			m.skip(AsField("properties.email", err))
			continue
		}
		identifier(graph.LabelEmail, graph.EmailID(email), "address", email, graph.RelUsesEmail)
	}
	// A number written without +country was dialled in the entity's country, if it has one.
	region, _ := m.props["country"].(string)
	phoneProps := []string{"phone"}
	if label == graph.LabelUserAccount {
		phoneProps = append(phoneProps, "number") // UserAccount.number is FtM type phone
	}
	for _, name := range phoneProps {
		for _, v := range m.take(name) {
			phone, err := graph.NormalizePhone(v, region)
			if err != nil {
				m.skip(AsField("properties."+name, err))
				continue
			}
			identifier(graph.LabelPhone, graph.PhoneID(phone), "number", phone, graph.RelUsesPhone)
		}
	}
	if users := m.e.Properties["username"]; label == graph.LabelUserAccount && len(users) > 0 {
		// The username stays a property in any case; as a Handle it links the account to
		// the same name seen in payment references and on other platforms. A username that
		// is not a handle ("John Smith") links nothing, and is no error.
		if h, err := graph.NormalizeHandle(users[0]); err == nil {
			identifier(graph.LabelHandle, graph.HandleID(h), "value", h, graph.RelHasHandle)
		}
	}

	for _, a := range m.take("addressEntity") {
		m.edge(graph.RelHasAddress, m.id, m.other(a), m.ref, FtMRef{"addressEntity", a})
	}
	switch label {
	case graph.LabelCryptoWallet:
		for _, h := range m.take("holder") {
			m.edge(graph.RelHolds, m.other(h), m.id, m.ref, FtMRef{"holder", h})
		}
	case graph.LabelUserAccount:
		for _, o := range m.take("owner") {
			m.edge(graph.RelHasUserAccount, m.other(o), m.id, m.ref, FtMRef{"owner", o})
		}
	}
}

// ftmAmounts are the FtM properties that may carry a payment's amount, in the order they are
// used: the amount in its own currency first, then the converted ones.
var ftmAmounts = []struct{ prop, currency string }{{"amount", ""}, {"amountEur", "EUR"}, {"amountUsd", "USD"}}

// payment maps a Payment: a Transaction from the payer's account (else the payer) to the
// beneficiary's account (else the beneficiary), and the parties holding the accounts.
func (m *ftmMapping) payment() *FieldError {
	payers, payerAccts := m.take("payer"), m.take("payerAccount")
	benefs, benefAccts := m.take("beneficiary"), m.take("beneficiaryAccount")
	switch {
	case len(payers) == 0 && len(payerAccts) == 0:
		return Fieldf("properties.payer", "missing, and no payerAccount; a Payment needs who paid")
	case len(benefs) == 0 && len(benefAccts) == 0:
		return Fieldf("properties.beneficiary", "missing, and no beneficiaryAccount; a Payment needs who was paid")
	}

	// The amount: the first of amount (with currency), amountEur, amountUsd that can be read,
	// in integer minor units. The FtM texts stay as they are: amount and currency as
	// amountText and currencyText (their names hold the canonical values), amountEur and
	// amountUsd under their own names. A Payment without any amount is rejected: graph keeps
	// a FLOW per currency for every payer and payee, and a Transaction without one has none.
	amountText, currencyText := m.take("amount"), m.take("currency")
	ftmSet(m.props, "amountText", amountText)
	ftmSet(m.props, "currencyText", currencyText)
	var failed []*FieldError
	for _, a := range ftmAmounts {
		text, cur := m.e.Properties[a.prop], a.currency
		switch {
		case len(text) == 0:
			continue
		case a.prop == "amount" && len(currencyText) == 0:
			failed = append(failed, Fieldf("properties.amount", "has no currency"))
			continue
		case a.prop == "amount":
			c, err := graph.NormalizeCurrency(currencyText[0])
			if err != nil {
				failed = append(failed, AsField("properties.currency", err))
				continue
			}
			cur = c
		}
		minor, err := graph.ParseAmount(text[0], cur)
		if err != nil {
			failed = append(failed, AsField("properties."+a.prop, err))
			continue
		}
		if _, done := m.props["amount"]; !done {
			m.props["amount"], m.props["currency"] = minor, cur
		}
	}
	switch _, ok := m.props["amount"]; {
	case !ok && len(failed) > 0:
		return failed[0]
	case !ok:
		return Fieldf("properties.amount", "missing, and no amountEur or amountUsd; a Payment needs its amount")
	}
	// Loaded with the amount that could be read; the others are rejected on their own.
	for _, fe := range failed {
		m.skip(fe)
	}

	// The time: date, else startDate, from its start when partial ("2019-05").
	ref := m.ref
	dateProp := "date"
	if len(m.e.Properties[dateProp]) == 0 {
		dateProp = "startDate"
	}
	if ds := m.e.Properties[dateProp]; len(ds) > 0 {
		t, err := ftmTime(ds[0], m.now)
		if err != nil {
			m.skip(AsField("properties."+dateProp, err))
		} else {
			m.props["timestamp"], ref.Seen = t, t
		}
	}
	ftmSet(m.props, "reference", m.take("purpose"))
	ftmSet(m.props, "transactionId", m.take("transactionNumber"))
	m.g.Nodes = append(m.g.Nodes, graph.Node{Label: graph.LabelTransaction, ID: m.id, Props: m.props, Ref: ref})

	senders, sendField := payerAccts, "payerAccount"
	if len(senders) == 0 {
		senders, sendField = payers, "payer"
	}
	for _, s := range senders {
		m.edge(graph.RelSent, m.other(s), m.id, ref, FtMRef{sendField, s})
	}
	receivers, recvField := benefAccts, "beneficiaryAccount"
	if len(receivers) == 0 {
		receivers, recvField = benefs, "beneficiary"
	}
	for _, r := range receivers {
		m.edge(graph.RelTo, m.id, m.other(r), ref, FtMRef{recvField, r})
	}
	for _, p := range payers {
		for _, a := range payerAccts {
			m.edge(graph.RelHolds, m.other(p), m.other(a), ref, FtMRef{"payer", p}, FtMRef{"payerAccount", a})
		}
	}
	for _, b := range benefs {
		for _, a := range benefAccts {
			m.edge(graph.RelHolds, m.other(b), m.other(a), ref, FtMRef{"beneficiary", b}, FtMRef{"beneficiaryAccount", a})
		}
	}
	return nil
}

// link maps an interstitial schema (Ownership, Directorship, ...) to one relationship per pair
// of ends, keyed by the entity's id: two Ownerships of one asset by one owner (say, two periods)
// stay two relationships. The relationships share the entity's properties.
func (m *ftmMapping) link(l ftmLink) *FieldError {
	froms, tos := m.take(l.from), m.take(l.to)
	switch {
	case len(froms) == 0:
		return Fieldf("properties."+l.from, "missing; every %s needs its %s", m.e.Schema, l.from)
	case len(tos) == 0:
		return Fieldf("properties."+l.to, "missing; every %s needs its %s", m.e.Schema, l.to)
	}
	// The relationship held from its start. Its dates stay as text under their FtM names, so a
	// date this cannot read (before 1970, say) loses nothing and is no reject.
	ref := m.ref
	for _, p := range []string{"startDate", "date"} {
		if ds := m.e.Properties[p]; len(ds) > 0 {
			if t, err := ftmTime(ds[0], m.now); err == nil {
				ref.Seen = t
				break
			}
		}
	}
	for _, f := range froms {
		for _, t := range tos {
			m.g.Edges = append(m.g.Edges, FtMEdge{
				Edge:  graph.Edge{Type: l.rel, From: m.other(f), To: m.other(t), Key: m.id, Props: m.props, Ref: ref},
				Needs: []FtMRef{{l.from, f}, {l.to, t}},
			})
		}
	}
	return nil
}

// ftmTime reads an FtM date or date-time, which may be partial ("2019", "2019-05",
// "2019-05-17T10:00"), as the start of the period it names, in UTC.
func ftmTime(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	switch {
	case ftmShape(s, "dddd"), ftmShape(s, "dddd-dd"), ftmShape(s, "dddd-dd-dd"):
		// NormalizeDate says what is wrong with a month or day; NormalizeTime below checks
		// the range of times.
		if _, err := graph.NormalizeDate(s, now); err != nil {
			return time.Time{}, err
		}
		s += "-01-01"[len(s)-4:]
	case ftmShape(s, "dddd-dd-ddTdd"):
		s += ":00:00"
	case ftmShape(s, "dddd-dd-ddTdd:dd"):
		s += ":00"
	}
	return graph.NormalizeTime(s, nil, now)
}

// ftmShape reports whether s matches shape, where 'd' stands for an ASCII digit.
func ftmShape(s, shape string) bool {
	if len(s) != len(shape) {
		return false
	}
	for i := range len(s) {
		if shape[i] == 'd' && (s[i] < '0' || s[i] > '9') || shape[i] != 'd' && s[i] != shape[i] {
			return false
		}
	}
	return true
}
