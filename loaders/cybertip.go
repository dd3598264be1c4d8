package loaders

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/crosslink/crosslink/graph"
)

func init() { Register(cybertipFormat{}) }

// cybertipFormat loads NCMEC CyberTipline XML as described by ncmec_report_validation.xsd: the
// <report> an ESP submits, the <fileDetails> of each uploaded file, and NCMEC's responses, which
// carry the report number NCMEC assigned and the MD5 of an uploaded file. A file holds one of
// them as its root or any number of them under any root (a batch export).
//
// Victims are children: of a <victim> only the identifiers that link (account, screen name,
// e-mail, phone) are kept, never names, dates of birth, ages, schools or addresses.
type cybertipFormat struct{}

func (cybertipFormat) Name() string { return "cybertip" }

func (cybertipFormat) Describe() string {
	return "NCMEC CyberTipline reports, file details and responses (XML, one or many per file)"
}

// Limits on hostile input. encoding/xml never expands external entities, but it keeps every
// open element on a stack and buffers a whole token (text, tag, comment) before returning it,
// so both are bounded here; a report is bounded as a whole because it is decoded into memory.
const (
	cybertipMaxDepth  = 64       // element nesting, from the document root
	cybertipMaxToken  = 1 << 20  // bytes of one token: element text, a tag with its attributes, a comment
	cybertipMaxRecord = 16 << 20 // bytes of one <report>, <fileDetails> or response
	cybertipMaxValue  = 1024     // bytes of an identifier or name; the XSD allows at most 256 for most
)

// cybertipReportType is the reportType of every Report this format writes.
const cybertipReportType = "CYBERTIP"

var errCybertipTokenTooLong = fmt.Errorf("an XML token (element text, tag or comment) is longer than %d bytes", cybertipMaxToken)

// Parse streams the file token by token and decodes one record element at a time, so memory
// stays constant however many reports the file holds. A bad record or a bad identifier in a
// good report is a reject; malformed XML (truncated, invalid UTF-8, a DOCTYPE, nesting or
// tokens beyond the limits) stops the file with an error naming the line, after the records
// completed before it have been written.
func (cybertipFormat) Parse(ctx context.Context, file string, r io.Reader, out *Emitter) error {
	dec := newCybertipDecoder(r)
	// One clock per file: every record of a file is checked against the same "future".
	now := time.Now()
	records := 0
	for {
		tok, line, err := dec.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return cybertipStop(out, err)
		}
		start, ok := tok.(xml.StartElement)
		if !ok || !cybertipRecordElements[start.Name.Local] {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		records++
		rec, err := dec.decode(start, line)
		if err != nil {
			return cybertipStop(out, err)
		}
		if err := cybertipEmit(rec, line, now, out); err != nil {
			return err
		}
	}
	if records == 0 {
		return fmt.Errorf("no <report>, <fileDetails>, <reportResponse> or <reportDoneResponse> element: not a CyberTipline file")
	}
	return nil
}

// cybertipStop ends a file that broke: the records before the break were complete and valid,
// so they are written (the loader would otherwise drop the last partial batch), and the break
// is the file's error.
func cybertipStop(out *Emitter, err error) error {
	if ferr := out.flush(); ferr != nil {
		return ferr
	}
	return err
}

// cybertipRecordElements are the elements that are records, wherever they sit in the file.
var cybertipRecordElements = map[string]bool{
	"report": true, "fileDetails": true, "reportResponse": true, "reportDoneResponse": true,
}

// cybertipEmit turns a decoded record into its graph facts, or into rejects.
func cybertipEmit(rec any, line int, now time.Time, out *Emitter) error {
	ref := graph.Ref{Line: line}
	var g CybertipGraph
	var fe *FieldError
	switch r := rec.(type) {
	case *CybertipReport:
		g, fe = r.Graph(ref, now)
	case *CybertipFileDetails:
		g, fe = r.Graph(ref, now)
	case *CybertipResponse:
		g, fe = r.Graph(ref)
	}
	if fe != nil {
		out.RejectErr(line, "", fe)
		return out.Context().Err()
	}
	for _, s := range g.Skipped {
		out.Reject(Reject{Line: line, Field: s.Field, Reason: s.Reason})
	}
	return out.Add(g.Nodes, g.Edges)
}

// cybertipDecoder reads the XML tokens of a file and enforces the limits on every one of them.
type cybertipDecoder struct {
	d     *xml.Decoder
	guard *cybertipGuard
	depth int
	err   error // the error that stopped the file, as returned to the caller
}

func newCybertipDecoder(r io.Reader) *cybertipDecoder {
	g := &cybertipGuard{r: r}
	d := xml.NewDecoder(g) // g is no io.ByteReader: the decoder reads it through a 4 KiB buffer
	d.Strict = true
	d.CharsetReader = func(string, io.Reader) (io.Reader, error) {
		return nil, errors.New("not supported; convert the file to UTF-8")
	}
	return &cybertipDecoder{d: d, guard: g}
}

// next returns the next token and the line where it begins. At the end of a well-formed file
// it returns io.EOF.
func (c *cybertipDecoder) next() (xml.Token, int, error) {
	if c.err != nil {
		return nil, 0, c.err
	}
	line, _ := c.d.InputPos()
	c.guard.tokStart = c.d.InputOffset()
	tok, err := c.d.Token()
	if errors.Is(err, io.EOF) {
		return nil, line, io.EOF
	}
	if err != nil {
		var se *xml.SyntaxError
		switch {
		case errors.As(err, &se):
			err = fmt.Errorf("line %d: %s", se.Line, se.Msg)
		case errors.Is(err, errCybertipTokenTooLong):
			l, _ := c.d.InputPos()
			err = fmt.Errorf("line %d: %w", l, err)
		default:
			err = fmt.Errorf("line %d: %w", line, err)
		}
		c.err = err
		return nil, line, err
	}
	switch t := tok.(type) {
	case xml.StartElement:
		c.depth++
		if c.depth > cybertipMaxDepth {
			c.err = fmt.Errorf("line %d: <%s> is nested deeper than %d elements", line, t.Name.Local, cybertipMaxDepth)
			return nil, line, c.err
		}
	case xml.EndElement:
		c.depth--
	case xml.Directive:
		// A DOCTYPE is how entity bombs (billion laughs) and external entities arrive; the
		// schema has no use for one.
		c.err = fmt.Errorf("line %d: <!DOCTYPE> and other <!...> declarations are not allowed", line)
		return nil, line, c.err
	}
	return tok, line, nil
}

// decode reads the record element that start opened, up to its end element.
func (c *cybertipDecoder) decode(start xml.StartElement, line int) (any, error) {
	rt := &cybertipRecordTokens{c: c, first: &start, depth: c.depth, start: c.d.InputOffset(), line: line, h: sha256.New()}
	var v any
	switch start.Name.Local {
	case "report":
		v = &CybertipReport{}
	case "fileDetails":
		v = &CybertipFileDetails{}
	default:
		v = &CybertipResponse{}
	}
	if err := xml.NewTokenDecoder(rt).Decode(v); err != nil {
		if c.err != nil {
			return nil, c.err
		}
		c.err = fmt.Errorf("line %d: <%s>: %w", line, start.Name.Local, err)
		return nil, c.err
	}
	if rep, ok := v.(*CybertipReport); ok {
		rep.Digest = hex.EncodeToString(rt.h.Sum(nil))[:32]
	}
	return v, nil
}

// cybertipRecordTokens hands the tokens of one record element to a decoder of its own, and
// hashes them as it goes: the hash names a report that carries no number.
type cybertipRecordTokens struct {
	c     *cybertipDecoder
	first *xml.StartElement // the record's start element, handed out first
	depth int               // nesting depth of the record element
	start int64             // offset of the record in the file
	line  int
	done  bool
	h     hash.Hash
	buf   []byte // reused for each hashed token
}

func (r *cybertipRecordTokens) Token() (xml.Token, error) {
	var tok xml.Token
	switch {
	case r.first != nil:
		tok, r.first = *r.first, nil
	case r.done:
		return nil, io.EOF
	default:
		if r.c.d.InputOffset()-r.start > cybertipMaxRecord {
			r.c.err = fmt.Errorf("line %d: the record starting here is longer than %d bytes", r.line, cybertipMaxRecord)
			return nil, r.c.err
		}
		var err error
		if tok, _, err = r.c.next(); err != nil {
			return nil, err
		}
		if _, ok := tok.(xml.EndElement); ok && r.c.depth < r.depth {
			r.done = true
		}
	}
	r.hashToken(tok)
	return tok, nil
}

// hashToken feeds the hash a canonical form of the token: element names without namespace
// prefixes, attributes sorted (schema locations and namespace declarations left out), text
// trimmed, comments and whitespace ignored. The same report indented or prefixed differently
// has the same hash.
func (r *cybertipRecordTokens) hashToken(tok xml.Token) {
	w := func(tag byte, s string) {
		r.buf = append(append(append(r.buf[:0], tag), s...), 0)
		r.h.Write(r.buf)
	}
	switch t := tok.(type) {
	case xml.StartElement:
		w('<', t.Name.Local)
		attrs := make([]string, 0, len(t.Attr))
		for _, a := range t.Attr {
			if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" || a.Name.Space == "http://www.w3.org/2001/XMLSchema-instance" {
				continue
			}
			attrs = append(attrs, a.Name.Local+"="+a.Value)
		}
		sort.Strings(attrs)
		for _, a := range attrs {
			w('@', a)
		}
	case xml.EndElement:
		w('>', "")
	case xml.CharData:
		if s := strings.TrimSpace(string(t)); s != "" {
			w('"', s)
		}
	}
}

// cybertipGuard stops the decoder from buffering one endless token: it fails a read when the
// bytes read since the current token began exceed cybertipMaxToken.
type cybertipGuard struct {
	r        io.Reader
	read     int64 // bytes handed to the decoder
	tokStart int64 // decoder offset where the current token began
}

func (g *cybertipGuard) Read(p []byte) (int, error) {
	if g.read-g.tokStart > cybertipMaxToken {
		return 0, errCybertipTokenTooLong
	}
	n, err := g.r.Read(p)
	g.read += int64(n)
	return n, err
}

// CybertipReport is one <report> element as decoded from the XML; Graph validates it. Values
// are raw text, booleans and numbers included, so that one bad value is a reject of that value
// and not a failure to decode the whole report.
type CybertipReport struct {
	// ReportIDAttr and ReportID are not in the XSD an ESP submits to: exports that already know
	// NCMEC's report number carry it as <report reportId="..."> or a <reportId> child.
	ReportIDAttr    string                    `xml:"reportId,attr"`
	ReportID        string                    `xml:"reportId"`
	Summary         CybertipIncidentSummary   `xml:"incidentSummary"`
	InternetDetails []CybertipInternetDetails `xml:"internetDetails"`
	LawEnforcement  *CybertipLawEnforcement   `xml:"lawEnforcement"`
	Subjects        []CybertipParty           `xml:"personOrUserReported"`
	Recipients      []CybertipParty           `xml:"intendedRecipient"`
	Victims         []CybertipParty           `xml:"victim"`
	Files           []CybertipFileDetails     `xml:"fileDetails"` // not in the XSD's report; batch exports nest them
	// Digest is a hash of the report's canonical content, set by the parser; it names a report
	// that has no number.
	Digest string `xml:"-"`
}

// CybertipIncidentSummary is <incidentSummary>.
type CybertipIncidentSummary struct {
	IncidentType     string         `xml:"incidentType"`
	Platform         string         `xml:"platform"`
	Escalate         string         `xml:"escalateToHighPriority"` // the reason; any text escalates
	Annotations      *CybertipFlags `xml:"reportAnnotations"`
	IncidentDateTime string         `xml:"incidentDateTime"`
}

// CybertipFlags is a set of flag elements such as <reportAnnotations> or <fileAnnotations>:
// each child element present (empty or "true") is a flag set.
type CybertipFlags struct {
	Items []CybertipFlag `xml:",any"`
}

// CybertipFlag is one flag element.
type CybertipFlag struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
}

// CybertipInternetDetails is <internetDetails>; only the parts that carry identifiers are
// decoded.
type CybertipInternetDetails struct {
	Email     *CybertipEmailIncident `xml:"emailIncident"`
	Newsgroup *CybertipEmailIncident `xml:"newsgroupIncident"`
	CellPhone *CybertipCellPhone     `xml:"cellPhoneIncident"`
	Peer2Peer *CybertipPeer2Peer     `xml:"peer2peerIncident"`
}

// CybertipEmailIncident is <emailIncident> or <newsgroupIncident>.
type CybertipEmailIncident struct {
	Addresses []CybertipEmail `xml:"emailAddress"`
}

// CybertipCellPhone is <cellPhoneIncident>.
type CybertipCellPhone struct {
	Phone *CybertipPhone `xml:"phoneNumber"`
}

// CybertipPeer2Peer is <peer2peerIncident>.
type CybertipPeer2Peer struct {
	IPCaptures []CybertipIPCapture `xml:"ipCaptureEvent"`
}

// CybertipLawEnforcement is <lawEnforcement>: agency and case number, for deconfliction.
type CybertipLawEnforcement struct {
	AgencyName string `xml:"agencyName"`
	CaseNumber string `xml:"caseNumber"`
}

// CybertipParty is a <personOrUserReported>, <intendedRecipient> or <victim>: the three share
// their identity block and differ in the name of their person element.
type CybertipParty struct {
	SubjectPerson   *CybertipPerson     `xml:"personOrUserReportedPerson"`
	RecipientPerson *CybertipPerson     `xml:"intendedRecipientPerson"`
	VictimPerson    *CybertipPerson     `xml:"victimPerson"`
	ESPIdentifier   string              `xml:"espIdentifier"`
	ESPService      string              `xml:"espService"`
	Compromised     string              `xml:"compromisedAccount"`
	ScreenName      string              `xml:"screenName"`
	DisplayNames    []string            `xml:"displayName"`
	ProfileURLs     []string            `xml:"profileUrl"`
	IPCaptures      []CybertipIPCapture `xml:"ipCaptureEvent"`
	Devices         []CybertipDevice    `xml:"deviceId"`
	ThirdParty      string              `xml:"thirdPartyUserReported"`
	PriorReports    []string            `xml:"priorCTReports"`
	GroupIdentifier string              `xml:"groupIdentifier"`
	Location        *CybertipLocation   `xml:"estimatedLocation"`
}

// CybertipPerson is the XSD's person type.
type CybertipPerson struct {
	FirstName   string            `xml:"firstName"`
	LastName    string            `xml:"lastName"`
	Phones      []CybertipPhone   `xml:"phone"`
	Emails      []CybertipEmail   `xml:"email"`
	Addresses   []CybertipAddress `xml:"address"`
	Age         string            `xml:"age"`
	DateOfBirth string            `xml:"dateOfBirth"`
}

// CybertipEmail is an e-mail element with its attributes.
type CybertipEmail struct {
	Value    string `xml:",chardata"`
	Type     string `xml:"type,attr"`
	Verified string `xml:"verified,attr"`
}

// CybertipPhone is a phone element with its attributes. A number without its country calling
// code takes it from the countryCallingCode attribute, else from the party's estimated
// country.
type CybertipPhone struct {
	Value              string `xml:",chardata"`
	Type               string `xml:"type,attr"`
	Verified           string `xml:"verified,attr"`
	CountryCallingCode string `xml:"countryCallingCode,attr"`
}

// CybertipAddress is the XSD's address type.
type CybertipAddress struct {
	Street      string `xml:"address"`
	City        string `xml:"city"`
	ZipCode     string `xml:"zipCode"`
	State       string `xml:"state"`
	NonUSAState string `xml:"nonUsaState"`
	Country     string `xml:"country"`
}

// CybertipLocation is <estimatedLocation>.
type CybertipLocation struct {
	City        string `xml:"city"`
	Region      string `xml:"region"`
	CountryCode string `xml:"countryCode"`
}

// CybertipIPCapture is <ipCaptureEvent>.
type CybertipIPCapture struct {
	IPAddress     string `xml:"ipAddress"`
	EventName     string `xml:"eventName"`
	DateTime      string `xml:"dateTime"`
	PossibleProxy string `xml:"possibleProxy"`
	Port          string `xml:"port"`
}

// CybertipDevice is <deviceId>.
type CybertipDevice struct {
	IDType    string `xml:"idType"`
	IDValue   string `xml:"idValue"`
	EventName string `xml:"eventName"`
	DateTime  string `xml:"dateTime"`
}

// CybertipFileDetails is <fileDetails>: the metadata of one uploaded file. The file itself is
// never loaded.
type CybertipFileDetails struct {
	ReportID               string              `xml:"reportId"`
	FileID                 string              `xml:"fileId"`
	FileName               string              `xml:"fileName"`
	OriginalFileName       string              `xml:"originalFileName"`
	UploadedToEspTimestamp string              `xml:"uploadedToEspTimestamp"`
	FileViewedByEsp        string              `xml:"fileViewedByEsp"`
	ExifViewedByEsp        string              `xml:"exifViewedByEsp"`
	PubliclyAvailable      string              `xml:"publiclyAvailable"`
	FileRelevance          string              `xml:"fileRelevance"`
	PotentialMeme          string              `xml:"potentialMeme"`
	Annotations            *CybertipFlags      `xml:"fileAnnotations"`
	IndustryClassification string              `xml:"industryClassification"`
	Hashes                 []CybertipHash      `xml:"originalFileHash"`
	IPCapture              []CybertipIPCapture `xml:"ipCaptureEvent"`
	Devices                []CybertipDevice    `xml:"deviceId"`
}

// CybertipHash is <originalFileHash hashType="...">.
type CybertipHash struct {
	Value string `xml:",chardata"`
	Type  string `xml:"hashType,attr"`
}

// CybertipResponse is NCMEC's <reportResponse> or <reportDoneResponse>: a report number it
// accepted and, after an upload, the file's id and MD5.
type CybertipResponse struct {
	ResponseCode string `xml:"responseCode"`
	ReportID     string `xml:"reportId"`
	FileID       string `xml:"fileId"`
	Hash         string `xml:"hash"`
}

// CybertipGraph is what one record yields: its nodes and edges, and the values left out of
// them, each of which is a reject of its own while the rest of the record loads.
type CybertipGraph struct {
	Nodes   []graph.Node
	Edges   []graph.Edge
	Skipped []*FieldError
}

// Party roles: the element, the relationship to the report, and the short name in Person ids.
type cybertipRole struct {
	elem  string
	rel   graph.RelType
	short string
}

var (
	cybertipSubject   = cybertipRole{"personOrUserReported", graph.RelSubjectOf, "subject"}
	cybertipRecipient = cybertipRole{"intendedRecipient", graph.RelRecipientIn, "recipient"}
	cybertipVictim    = cybertipRole{"victim", graph.RelVictimIn, "victim"}
)

// Graph validates the report and returns its graph (see docs/formats.md "cybertip"). The
// report is refused (a *FieldError) only when its number, incident type or incident time is
// missing or invalid; a bad identifier leaves that identifier out and is listed in Skipped.
// ref locates the report (Record becomes its number or digest, Seen its incident time); now
// bounds the dates it holds.
func (r *CybertipReport) Graph(ref graph.Ref, now time.Time) (CybertipGraph, *FieldError) {
	number, fe := r.number()
	if fe != nil {
		return CybertipGraph{}, fe
	}
	key := number
	if key == "" {
		if r.Digest == "" {
			return CybertipGraph{}, Fieldf("reportId", "the report has no number and no content digest")
		}
		key = "sha256:" + r.Digest
	}
	s := r.Summary
	incidentType := strings.Join(strings.Fields(s.IncidentType), " ")
	switch {
	case incidentType == "":
		return CybertipGraph{}, Fieldf("incidentSummary/incidentType", "empty; every report has an incident type")
	case len(incidentType) > 256 || !cybertipPrintable(incidentType):
		return CybertipGraph{}, Fieldf("incidentSummary/incidentType", "longer than 256 bytes or has control characters")
	}
	if strings.TrimSpace(s.IncidentDateTime) == "" {
		return CybertipGraph{}, Fieldf("incidentSummary/incidentDateTime", "empty; every report has an incident time")
	}
	at, err := graph.NormalizeTime(s.IncidentDateTime, nil, now)
	if err != nil {
		return CybertipGraph{}, AsField("incidentSummary/incidentDateTime", err)
	}

	ref.Record, ref.Seen = key, at
	b := &cybertipBuilder{ref: ref, now: now, report: graph.ReportID("cybertip", key), key: key}
	props := map[string]any{
		"reportType": cybertipReportType, "reportNumber": number, "incidentType": incidentType,
		"incidentAt": at, "escalateToHighPriority": strings.TrimSpace(s.Escalate) != "",
		"annotations": b.flags("incidentSummary/reportAnnotations", s.Annotations),
	}
	b.node(graph.LabelReport, b.report, at, props)
	if le := r.LawEnforcement; le != nil {
		props["lawEnforcementAgency"] = b.text("lawEnforcement/agencyName", le.AgencyName)
		props["lawEnforcementCaseNumber"] = b.text("lawEnforcement/caseNumber", le.CaseNumber)
	}
	if p := b.text("incidentSummary/platform", s.Platform); p != "" {
		// The XSD names no company; the platform the ESP reports about stands for it.
		props["platform"] = p
		org := graph.PartyID(graph.LabelOrganization, "cybertip", "platform:"+strings.ToLower(strings.Join(strings.Fields(p), " ")))
		b.node(graph.LabelOrganization, org, at, map[string]any{"name": p})
		b.edge(graph.RelReporterOf, org, b.report, "", at, nil)
	}
	for i, p := range r.Subjects {
		b.party(cybertipSubject, i+1, p)
	}
	for i, p := range r.Recipients {
		b.party(cybertipRecipient, i+1, p)
	}
	for i, p := range r.Victims {
		b.party(cybertipVictim, i+1, p)
	}
	props["groupIdentifiers"] = b.groups
	for i, d := range r.InternetDetails {
		b.internetDetails(fmt.Sprintf("internetDetails[%d]", i+1), d)
	}
	for i, f := range r.Files {
		path := fmt.Sprintf("fileDetails[%d]", i+1)
		if f.ReportID != "" && number != "" {
			// Nested in a report with a number, a file must name that report; in one without,
			// it belongs to the report it is in whatever it says.
			n, fe := cybertipNumber(path+"/reportId", f.ReportID)
			if fe != nil {
				b.skip(fe)
				continue
			}
			if n != number {
				b.skip(Fieldf(path+"/reportId", "names another report than the one it is in"))
				continue
			}
		}
		b.file(path, f)
	}
	return b.g, nil
}

// number is the report's NCMEC number when the file carries one, else "".
func (r *CybertipReport) number() (string, *FieldError) {
	attr, elem := strings.TrimSpace(r.ReportIDAttr), strings.TrimSpace(r.ReportID)
	switch {
	case attr != "" && elem != "" && attr != elem:
		return "", Fieldf("reportId", "the reportId attribute and element differ")
	case attr != "":
		return cybertipNumber("reportId", attr)
	case elem != "":
		return cybertipNumber("reportId", elem)
	}
	return "", nil
}

// Graph validates a standalone <fileDetails> and returns the Report it belongs to (by
// reportId, with only its number), the FileHash of each original hash with REPORTED_FILE, and
// the upload's IP and devices as MENTIONS of the report.
func (f *CybertipFileDetails) Graph(ref graph.Ref, now time.Time) (CybertipGraph, *FieldError) {
	if strings.TrimSpace(f.ReportID) == "" {
		return CybertipGraph{}, Fieldf("reportId", "empty; file details name the report they belong to")
	}
	number, fe := cybertipNumber("reportId", f.ReportID)
	if fe != nil {
		return CybertipGraph{}, fe
	}
	ref.Record = number
	b := &cybertipBuilder{ref: ref, now: now, report: graph.ReportID("cybertip", number), key: number}
	b.stub(number)
	b.file("", *f)
	return b.g, nil
}

// Graph validates a response: a successful one names the report NCMEC accepted, and after an
// upload the MD5 of the file (a FileHash with REPORTED_FILE). Error responses and responses
// without a report number (status checks) are refused: they state no fact.
func (r *CybertipResponse) Graph(ref graph.Ref) (CybertipGraph, *FieldError) {
	code, err := strconv.Atoi(strings.TrimSpace(r.ResponseCode))
	switch {
	case err != nil:
		return CybertipGraph{}, Fieldf("responseCode", "not a number")
	case code != 0:
		return CybertipGraph{}, Fieldf("responseCode", "%d is an error response; it names no accepted report", code)
	case strings.TrimSpace(r.ReportID) == "":
		return CybertipGraph{}, Fieldf("reportId", "empty; the response names no report")
	}
	number, fe := cybertipNumber("reportId", r.ReportID)
	if fe != nil {
		return CybertipGraph{}, fe
	}
	ref.Record = number
	b := &cybertipBuilder{ref: ref, report: graph.ReportID("cybertip", number), key: number}
	b.stub(number)
	if strings.TrimSpace(r.Hash) != "" {
		// The upload response's hash is NCMEC's MD5 of the file as received.
		algo, value, err := graph.NormalizeHash(graph.HashMD5, r.Hash)
		if err != nil {
			b.skip(AsField("hash", err))
		} else {
			id := graph.FileHashID(algo, value)
			b.node(graph.LabelFileHash, id, time.Time{}, map[string]any{"algorithm": algo, "value": value})
			b.edge(graph.RelReportedFile, b.report, id, "", time.Time{}, map[string]any{"fileId": b.text("fileId", r.FileID)})
		}
	}
	return b.g, nil
}

// cybertipBuilder accumulates the graph of one record.
type cybertipBuilder struct {
	g      CybertipGraph
	ref    graph.Ref // Seen: the incident time, the default for every fact of the report
	now    time.Time
	report string // the Report's id
	key    string // its number or digest, the scope of its Person ids
	groups []string
}

func (b *cybertipBuilder) node(l graph.Label, id string, seen time.Time, props map[string]any) {
	ref := b.ref
	ref.Seen = seen
	b.g.Nodes = append(b.g.Nodes, graph.Node{Label: l, ID: id, Props: props, Ref: ref})
}

func (b *cybertipBuilder) edge(t graph.RelType, from, to, key string, seen time.Time, props map[string]any) {
	ref := b.ref
	ref.Seen = seen
	b.g.Edges = append(b.g.Edges, graph.Edge{Type: t, From: from, To: to, Key: key, Props: props, Ref: ref})
}

func (b *cybertipBuilder) skip(fe *FieldError) { b.g.Skipped = append(b.g.Skipped, fe) }

// stub adds the Report of a number known only by reference: its number and type, nothing else.
func (b *cybertipBuilder) stub(number string) {
	b.node(graph.LabelReport, graph.ReportID("cybertip", number), time.Time{},
		map[string]any{"reportType": cybertipReportType, "reportNumber": number})
}

// text returns a trimmed free-text value, or "" (skipped) when it is too long or has control
// characters.
func (b *cybertipBuilder) text(field, s string) string {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return ""
	case len(s) > cybertipMaxValue:
		b.skip(Fieldf(field, "longer than %d bytes", cybertipMaxValue))
		return ""
	case !cybertipPrintable(s):
		b.skip(Fieldf(field, "contains a control or invisible character"))
		return ""
	}
	return s
}

// boolean reads an xs:boolean; "" is unset (nil).
func (b *cybertipBuilder) boolean(field, s string) *bool {
	var v bool
	switch strings.TrimSpace(s) {
	case "":
		return nil
	case "true", "1":
		v = true
	case "false", "0":
		v = false
	default:
		b.skip(Fieldf(field, "not a boolean; want true, false, 1 or 0"))
		return nil
	}
	return &v
}

// flags returns the names of the flag elements set, sorted.
func (b *cybertipBuilder) flags(field string, f *CybertipFlags) []string {
	if f == nil {
		return nil
	}
	var out []string
	for _, it := range f.Items {
		name := it.XMLName.Local
		switch v := b.boolean(field+"/"+name, it.Value); {
		case strings.TrimSpace(it.Value) == "", v != nil && *v:
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// party adds a subject, recipient or victim. The party is anchored on its UserAccount when
// the block names one (service and id or screen name), else on a Person: for a subject with
// names or a birth date, and for any subject or recipient that has identifiers but no
// account, since LOGGED_IN_FROM and USES_* need someone to start from. The anchor's
// identifiers hang from it; the account and the person each get the role relationship.
// A victim gets no Person and nothing but linking identifiers, each with VICTIM_IN.
func (b *cybertipBuilder) party(role cybertipRole, n int, p CybertipParty) {
	path := fmt.Sprintf("%s[%d]", role.elem, n)
	seen := b.ref.Seen
	person := p.SubjectPerson
	switch role {
	case cybertipRecipient:
		person = p.RecipientPerson
	case cybertipVictim:
		person = p.VictimPerson
	}

	var country string
	if loc := p.Location; loc != nil && strings.TrimSpace(loc.CountryCode) != "" {
		c, err := graph.NormalizeCountry(loc.CountryCode)
		if err != nil {
			b.skip(AsField(path+"/estimatedLocation/countryCode", err))
		} else {
			country = c
		}
	}

	// The account.
	screen := b.text(path+"/screenName", p.ScreenName)
	var handle string
	if screen != "" {
		// A screen name that is no handle (spaces, punctuation) stays the account's username.
		handle, _ = graph.NormalizeHandle(screen)
	}
	espID := b.text(path+"/espIdentifier", p.ESPIdentifier)
	var ua string
	if svcRaw := strings.TrimSpace(p.ESPService); svcRaw != "" && (espID != "" || screen != "") {
		svc, fe := cybertipService(path+"/espService", svcRaw)
		if fe != nil {
			b.skip(fe)
		} else {
			platformID := espID
			if platformID == "" {
				// "@" keeps a screen name from colliding with another account's numeric id.
				platformID = "@" + screen
				if handle != "" {
					platformID = "@" + handle
				}
			}
			ua = graph.UserAccountID(svc, platformID)
			props := map[string]any{"service": svc, "platformId": espID, "username": screen}
			if role == cybertipSubject {
				var names, urls []string
				for i, d := range p.DisplayNames {
					if v := b.text(fmt.Sprintf("%s/displayName[%d]", path, i+1), d); v != "" {
						names = append(names, v)
					}
				}
				for i, u := range p.ProfileURLs {
					if v := b.text(fmt.Sprintf("%s/profileUrl[%d]", path, i+1), u); v != "" {
						urls = append(urls, v)
					}
				}
				if len(names) > 0 {
					props["displayName"] = names[0]
				}
				props["profileUrls"] = urls
			}
			b.node(graph.LabelUserAccount, ua, seen, props)
		}
	}

	// Identifiers. A victim's IP addresses and devices locate a child and are not loaded.
	var emails, phones []cybertipIdent
	if person != nil {
		emails = b.emails(path+"/"+cybertipPersonElem(role), person.Emails)
		phones = b.phones(path+"/"+cybertipPersonElem(role), person.Phones, country)
	}
	var ips, devices []cybertipIdent
	if role != cybertipVictim {
		for i, e := range p.IPCaptures {
			if id, ok := b.ipCapture(fmt.Sprintf("%s/ipCaptureEvent[%d]", path, i+1), e); ok {
				ips = append(ips, id)
			}
		}
		devices = b.devices(path, p.Devices)
	}
	for i, num := range p.PriorReports {
		prior, fe := cybertipNumber(fmt.Sprintf("%s/priorCTReports[%d]", path, i+1), num)
		switch {
		case fe != nil:
			b.skip(fe)
		case graph.ReportID("cybertip", prior) != b.report:
			b.stub(prior)
			b.edge(graph.RelRefersTo, b.report, graph.ReportID("cybertip", prior), "", seen, nil)
		}
	}
	group := ""
	if role != cybertipVictim {
		if group = b.text(path+"/groupIdentifier", p.GroupIdentifier); group != "" && !cybertipContains(b.groups, group) {
			b.groups = append(b.groups, group)
		}
	}
	if handle != "" {
		b.node(graph.LabelHandle, graph.HandleID(handle), seen, map[string]any{"value": handle})
	}

	if role == cybertipVictim {
		if ua != "" {
			b.edge(role.rel, ua, b.report, "", seen, nil)
		}
		if handle != "" {
			if ua != "" {
				b.edge(graph.RelHasHandle, ua, graph.HandleID(handle), "", seen, nil)
			} else {
				b.edge(role.rel, graph.HandleID(handle), b.report, "", seen, nil)
			}
		}
		for _, id := range append(emails, phones...) {
			b.node(id.label, id.id, id.seen, id.props)
			b.edge(role.rel, id.id, b.report, "", seen, nil)
		}
		return
	}

	roleProps := map[string]any{"groupIdentifier": group, "estimatedCountry": country}
	if v := b.boolean(path+"/compromisedAccount", p.Compromised); v != nil {
		roleProps["compromisedAccount"] = *v
	}
	if role == cybertipSubject {
		if v := b.boolean(path+"/thirdPartyUserReported", p.ThirdParty); v != nil {
			roleProps["thirdPartyUserReported"] = *v
		}
		if loc := p.Location; loc != nil {
			roleProps["estimatedCity"] = b.text(path+"/estimatedLocation/city", loc.City)
			roleProps["estimatedRegion"] = b.text(path+"/estimatedLocation/region", loc.Region)
		}
	}
	var personID string
	var personProps map[string]any
	var addresses []cybertipIdent
	if role == cybertipSubject && person != nil {
		personProps, addresses = b.personDetails(path+"/personOrUserReportedPerson", person)
	}
	hasIdents := handle != "" || len(emails)+len(phones)+len(ips)+len(devices) > 0
	if len(personProps) > 0 || (ua == "" && (hasIdents || len(addresses) > 0)) {
		personID = graph.PartyID(graph.LabelPerson, "cybertip", fmt.Sprintf("%s:%s:%d", b.key, role.short, n))
		b.node(graph.LabelPerson, personID, seen, personProps)
		b.edge(role.rel, personID, b.report, "", seen, roleProps)
	}
	if ua != "" {
		b.edge(role.rel, ua, b.report, "", seen, roleProps)
		if personID != "" {
			b.edge(graph.RelHasUserAccount, personID, ua, "", seen, nil)
		}
	}
	anchor := ua
	if anchor == "" {
		anchor = personID
	}
	if anchor == "" {
		return
	}
	if handle != "" {
		b.edge(graph.RelHasHandle, anchor, graph.HandleID(handle), "", seen, nil)
	}
	for _, list := range [][]cybertipIdent{emails, phones, ips, devices} {
		for _, id := range list {
			b.node(id.label, id.id, id.seen, id.props)
			b.edge(id.rel, anchor, id.id, id.key, id.seen, id.edgeProps)
		}
	}
	for _, a := range addresses {
		b.node(a.label, a.id, a.seen, a.props)
		b.edge(a.rel, personID, a.id, "", seen, nil)
	}
}

// cybertipPersonElem is the name of a role's person element, for field paths.
func cybertipPersonElem(role cybertipRole) string {
	switch role {
	case cybertipRecipient:
		return "intendedRecipientPerson"
	case cybertipVictim:
		return "victimPerson"
	}
	return "personOrUserReportedPerson"
}

// personDetails returns a reported person's properties (name, birth date, age) and addresses.
func (b *cybertipBuilder) personDetails(path string, p *CybertipPerson) (map[string]any, []cybertipIdent) {
	props := map[string]any{}
	first, last := b.text(path+"/firstName", p.FirstName), b.text(path+"/lastName", p.LastName)
	if name := strings.TrimSpace(first + " " + last); name != "" {
		props["name"], props["firstName"], props["lastName"] = name, first, last
	}
	if strings.TrimSpace(p.DateOfBirth) != "" {
		if d, err := graph.NormalizeDate(p.DateOfBirth, b.now); err != nil {
			b.skip(AsField(path+"/dateOfBirth", err))
		} else {
			props["birthDate"] = d
		}
	}
	if s := strings.TrimSpace(p.Age); s != "" {
		if age, err := strconv.Atoi(s); err != nil || age < 0 || age > 130 {
			b.skip(Fieldf(path+"/age", "not an age; want a whole number of years, 0 to 130"))
		} else {
			props["age"] = int64(age)
		}
	}
	var addrs []cybertipIdent
	for i, a := range p.Addresses {
		field := fmt.Sprintf("%s/address[%d]", path, i+1)
		state := a.State
		if strings.TrimSpace(state) == "" {
			state = a.NonUSAState
		}
		var parts []string
		for _, s := range []string{a.Street, a.City, state, a.ZipCode} {
			if v := b.text(field, s); v != "" {
				parts = append(parts, v)
			}
		}
		if len(parts) == 0 {
			b.skip(Fieldf(field, "has no street, city, state or zip code"))
			continue
		}
		var country string
		if strings.TrimSpace(a.Country) != "" {
			c, err := graph.NormalizeCountry(a.Country)
			if err != nil {
				b.skip(AsField(field+"/country", err))
				continue
			}
			country = c
		}
		full := strings.Join(parts, ", ")
		addrs = append(addrs, cybertipIdent{label: graph.LabelAddress, id: graph.AddressID(full, country), rel: graph.RelHasAddress,
			seen: b.ref.Seen, props: map[string]any{"full": full, "country": country}})
	}
	return props, addrs
}

// cybertipIdent is one identifier node and the relationship that links it.
type cybertipIdent struct {
	label     graph.Label
	id        string
	props     map[string]any
	rel       graph.RelType
	key       string
	edgeProps map[string]any
	seen      time.Time
}

func (b *cybertipBuilder) emails(path string, list []CybertipEmail) []cybertipIdent {
	var out []cybertipIdent
	for i, e := range list {
		field := fmt.Sprintf("%s/email[%d]", path, i+1)
		addr, err := graph.NormalizeEmail(e.Value)
		if err != nil {
			b.skip(AsField(field, err))
			continue
		}
		props := map[string]any{"emailType": b.text(field+"/@type", e.Type)}
		if v := b.boolean(field+"/@verified", e.Verified); v != nil {
			props["verified"] = *v
		}
		out = append(out, cybertipIdent{label: graph.LabelEmail, id: graph.EmailID(addr), rel: graph.RelUsesEmail,
			seen: b.ref.Seen, props: map[string]any{"address": addr}, edgeProps: props})
	}
	return out
}

func (b *cybertipBuilder) phones(path string, list []CybertipPhone, region string) []cybertipIdent {
	var out []cybertipIdent
	for i, p := range list {
		field := fmt.Sprintf("%s/phone[%d]", path, i+1)
		if num, ok := b.phone(field, p, region); ok {
			props := map[string]any{"phoneType": b.text(field+"/@type", p.Type)}
			if v := b.boolean(field+"/@verified", p.Verified); v != nil {
				props["verified"] = *v
			}
			out = append(out, cybertipIdent{label: graph.LabelPhone, id: graph.PhoneID(num), rel: graph.RelUsesPhone,
				seen: b.ref.Seen, props: map[string]any{"number": num}, edgeProps: props})
		}
	}
	return out
}

// phone normalises a number to E.164: with its countryCallingCode attribute when given (the
// XSD then forbids the code in the number), else as written with region as the default.
func (b *cybertipBuilder) phone(field string, p CybertipPhone, region string) (string, bool) {
	value := strings.TrimSpace(p.Value)
	if cc := strings.TrimSpace(p.CountryCallingCode); cc != "" {
		if len(cc) < 2 || len(cc) > 4 || cc[0] != '+' || !cybertipDigits(cc[1:]) {
			b.skip(Fieldf(field+"/@countryCallingCode", "not a country calling code; want + and 1 to 3 digits"))
			return "", false
		}
		value, region = cc+" "+value, ""
	}
	num, err := graph.NormalizePhone(value, region)
	if err != nil {
		b.skip(AsField(field, err))
		return "", false
	}
	return num, true
}

// cybertipIPEvents are the ipCaptureType values of the XSD, lower-cased as platform events are.
var cybertipIPEvents = map[string]bool{
	"login": true, "registration": true, "purchase": true, "upload": true, "other": true, "unknown": true,
}

// ipCapture validates an IP capture event. Its key (event, time, port) makes one relationship
// per event, the same as the platform format's, so a login reported by the platform and by a
// CyberTip is one fact.
func (b *cybertipBuilder) ipCapture(path string, e CybertipIPCapture) (cybertipIdent, bool) {
	ip, err := graph.NormalizeIP(e.IPAddress)
	if err != nil {
		b.skip(AsField(path+"/ipAddress", err))
		return cybertipIdent{}, false
	}
	event, ok := b.event(path+"/eventName", e.EventName)
	if !ok {
		return cybertipIdent{}, false
	}
	var at time.Time
	if strings.TrimSpace(e.DateTime) != "" {
		if at, err = graph.NormalizeTime(e.DateTime, nil, b.now); err != nil {
			b.skip(AsField(path+"/dateTime", err))
			return cybertipIdent{}, false
		}
	}
	props := map[string]any{"event": event, "at": at}
	portKey := ""
	if s := strings.TrimSpace(e.Port); s != "" {
		port, err := strconv.Atoi(s)
		if err != nil || port < 1 || port > 65535 {
			b.skip(Fieldf(path+"/port", "not a port; want 1 to 65535"))
			return cybertipIdent{}, false
		}
		props["port"], portKey = int64(port), s
	}
	if v := b.boolean(path+"/possibleProxy", e.PossibleProxy); v != nil {
		props["possibleProxy"] = *v
	}
	atKey := ""
	if !at.IsZero() {
		atKey = at.Format(time.RFC3339Nano)
	}
	return cybertipIdent{label: graph.LabelIPAddress, id: graph.IPID(ip), rel: graph.RelLoggedInFrom,
		key: event + "|" + atKey + "|" + portKey, seen: at, props: map[string]any{"address": ip}, edgeProps: props}, true
}

// event reads an ipCaptureType; "" is unknown.
func (b *cybertipBuilder) event(field, s string) (string, bool) {
	event := strings.ToLower(strings.TrimSpace(s))
	if event == "" {
		return "unknown", true
	}
	if !cybertipIPEvents[event] {
		b.skip(Fieldf(field, "unknown event; want Login, Registration, Purchase, Upload, Other or Unknown"))
		return "", false
	}
	return event, true
}

// cybertipDeviceKinds maps the idType values in use to a device kind. IMEI, ICCID and the
// advertising ids are checked as the platform format checks them, so that one device is one
// node whichever source names it; the others are opaque.
var cybertipDeviceKinds = map[string]string{
	"imei": "imei", "iccid": "iccid", "idfa": "idfa", "aaid": "aaid", "gaid": "aaid", "adid": "aaid",
	"meid": "meid", "imsi": "imsi", "mac": "mac", "udid": "udid", "androidid": "androidid", "ssid": "ssid",
}

func (b *cybertipBuilder) devices(path string, list []CybertipDevice) []cybertipIdent {
	var out []cybertipIdent
	for i, d := range list {
		field := cybertipJoin(path, fmt.Sprintf("deviceId[%d]", i+1))
		kind, value, fe := cybertipDevice(field, d.IDType, d.IDValue)
		if fe != nil {
			b.skip(fe)
			continue
		}
		event, ok := b.event(field+"/eventName", d.EventName)
		if !ok {
			continue
		}
		var at time.Time
		if strings.TrimSpace(d.DateTime) != "" {
			var err error
			if at, err = graph.NormalizeTime(d.DateTime, nil, b.now); err != nil {
				b.skip(AsField(field+"/dateTime", err))
				continue
			}
		}
		out = append(out, cybertipIdent{label: graph.LabelDevice, id: graph.DeviceID(kind, value), rel: graph.RelUsesDevice,
			seen: at, props: map[string]any{"kind": kind, "value": value}, edgeProps: map[string]any{"event": event}})
	}
	return out
}

// Separators dropped from device id types ("Android ID", "android_id") and MAC addresses.
var (
	cybertipTypeSeparators = strings.NewReplacer(" ", "", "_", "", "-", "")
	cybertipMACSeparators  = strings.NewReplacer(":", "", "-", "", ".", "")
)

// cybertipDevice checks a device id of a type and returns its kind and the value its id is
// made of.
func cybertipDevice(field, idType, idValue string) (string, string, *FieldError) {
	t := strings.ToLower(cybertipTypeSeparators.Replace(strings.TrimSpace(idType)))
	kind, ok := cybertipDeviceKinds[t]
	switch {
	case t == "":
		return "", "", Fieldf(field+"/idType", "empty; name the kind of device id (IMEI, ICCID, ...)")
	case !ok:
		return "", "", Fieldf(field+"/idType", "unknown device id type; want IMEI, ICCID, IDFA, AAID, MEID, IMSI, MAC, UDID, Android ID or SSID")
	}
	value := strings.TrimSpace(idValue)
	if value == "" {
		return "", "", Fieldf(field+"/idValue", "empty")
	}
	remap := func(fe *FieldError) *FieldError {
		return &FieldError{Field: field + "/idValue", Reason: fe.Reason}
	}
	switch kind {
	case "imei", "iccid", "idfa", "aaid":
		v, fe := platformDevice(kind, value)
		if fe != nil {
			return "", "", remap(fe)
		}
		return kind, v, nil
	case "mac":
		v := strings.ToLower(cybertipMACSeparators.Replace(value))
		if len(v) != 12 || !cybertipHex(v) {
			return "", "", Fieldf(field+"/idValue", "MAC address must be 12 hex digits")
		}
		return kind, v, nil
	case "imsi":
		if len(value) < 6 || len(value) > 15 || !cybertipDigits(value) {
			return "", "", Fieldf(field+"/idValue", "IMSI must be 6 to 15 digits")
		}
		return kind, value, nil
	case "meid", "udid", "androidid":
		value = strings.ToLower(value)
	}
	v, fe := platformDevice("device", value)
	if fe != nil {
		return "", "", remap(fe)
	}
	return kind, v, nil
}

// internetDetails adds the identifiers of an incident's details (e-mail addresses of an e-mail
// or newsgroup incident, a cell phone, peer-to-peer IP captures) as MENTIONS of the report:
// they belong to no party.
func (b *cybertipBuilder) internetDetails(path string, d CybertipInternetDetails) {
	var ids []cybertipIdent
	if d.Email != nil {
		ids = append(ids, b.emailsAt(path+"/emailIncident", d.Email.Addresses)...)
	}
	if d.Newsgroup != nil {
		ids = append(ids, b.emailsAt(path+"/newsgroupIncident", d.Newsgroup.Addresses)...)
	}
	if d.CellPhone != nil && d.CellPhone.Phone != nil {
		field := path + "/cellPhoneIncident/phoneNumber"
		if num, ok := b.phone(field, *d.CellPhone.Phone, ""); ok {
			ids = append(ids, cybertipIdent{label: graph.LabelPhone, id: graph.PhoneID(num), seen: b.ref.Seen, props: map[string]any{"number": num}})
		}
	}
	if d.Peer2Peer != nil {
		for i, e := range d.Peer2Peer.IPCaptures {
			if id, ok := b.ipCapture(fmt.Sprintf("%s/peer2peerIncident/ipCaptureEvent[%d]", path, i+1), e); ok {
				ids = append(ids, id)
			}
		}
	}
	for _, id := range ids {
		props := map[string]any{"context": "internetDetails"}
		for k, v := range id.edgeProps {
			props[k] = v
		}
		b.node(id.label, id.id, id.seen, id.props)
		b.edge(graph.RelMentions, b.report, id.id, id.key, id.seen, props)
	}
}

// emailsAt reads emailAddress elements, whose field path names the element.
func (b *cybertipBuilder) emailsAt(path string, list []CybertipEmail) []cybertipIdent {
	var out []cybertipIdent
	for i, e := range list {
		addr, err := graph.NormalizeEmail(e.Value)
		if err != nil {
			b.skip(AsField(fmt.Sprintf("%s/emailAddress[%d]", path, i+1), err))
			continue
		}
		out = append(out, cybertipIdent{label: graph.LabelEmail, id: graph.EmailID(addr), seen: b.ref.Seen, props: map[string]any{"address": addr}})
	}
	return out
}

// file adds one file's hashes (REPORTED_FILE, with the file's metadata on the relationship)
// and its upload IP and devices (MENTIONS of the report). path prefixes field names ("" for a
// standalone <fileDetails>).
func (b *cybertipBuilder) file(path string, f CybertipFileDetails) {
	at := func(s string) string { return cybertipJoin(path, s) }
	props := map[string]any{
		"fileId":        b.text(at("fileId"), f.FileID),
		"fileName":      b.text(at("originalFileName"), f.OriginalFileName),
		"fileRelevance": b.text(at("fileRelevance"), f.FileRelevance),
	}
	if props["fileName"] == "" {
		props["fileName"] = b.text(at("fileName"), f.FileName)
	}
	for _, kv := range [][2]string{{"fileViewedByEsp", f.FileViewedByEsp}, {"exifViewedByEsp", f.ExifViewedByEsp}, {"publiclyAvailable", f.PubliclyAvailable}} {
		if x := b.boolean(at(kv[0]), kv[1]); x != nil {
			props[kv[0]] = *x
		}
	}
	annotations := b.flags(at("fileAnnotations"), f.Annotations)
	if v := b.boolean(at("potentialMeme"), f.PotentialMeme); v != nil && *v && !cybertipContains(annotations, "potentialMeme") {
		annotations = append(annotations, "potentialMeme")
		sort.Strings(annotations)
	}
	props["fileAnnotations"] = annotations
	switch c := strings.ToUpper(strings.TrimSpace(f.IndustryClassification)); c {
	case "":
	case "A1", "A2", "B1", "B2":
		props["industryClassification"] = c
	default:
		b.skip(Fieldf(at("industryClassification"), "not an industry classification; want A1, A2, B1 or B2"))
	}
	seen := b.ref.Seen
	if s := strings.TrimSpace(f.UploadedToEspTimestamp); s != "" {
		if t, err := graph.NormalizeTime(s, nil, b.now); err != nil {
			b.skip(AsField(at("uploadedToEspTimestamp"), err))
		} else {
			props["uploadedAt"], seen = t, t
		}
	}
	for i, h := range f.Hashes {
		field := at(fmt.Sprintf("originalFileHash[%d]", i+1))
		if strings.TrimSpace(h.Type) == "" {
			b.skip(Fieldf(field+"/@hashType", "empty; name the hash algorithm (MD5, SHA1, ...)"))
			continue
		}
		algo, value, err := graph.NormalizeHash(h.Type, h.Value)
		if err != nil {
			b.skip(AsField(field, err))
			continue
		}
		id := graph.FileHashID(algo, value)
		b.node(graph.LabelFileHash, id, seen, map[string]any{"algorithm": algo, "value": value})
		b.edge(graph.RelReportedFile, b.report, id, "", seen, props)
	}
	var ids []cybertipIdent
	for i, e := range f.IPCapture {
		if id, ok := b.ipCapture(at(fmt.Sprintf("ipCaptureEvent[%d]", i+1)), e); ok {
			ids = append(ids, id)
		}
	}
	ids = append(ids, b.devices(path, f.Devices)...)
	for _, id := range ids {
		mprops := map[string]any{"context": "fileUpload", "fileId": props["fileId"]}
		for k, v := range id.edgeProps {
			mprops[k] = v
		}
		b.node(id.label, id.id, id.seen, id.props)
		b.edge(graph.RelMentions, b.report, id.id, id.key, id.seen, mprops)
	}
}

// cybertipNumber checks a CyberTipline report number (an xs:long) and returns it without
// leading zeros.
func cybertipNumber(field, s string) (string, *FieldError) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 19 || !cybertipDigits(s) {
		return "", Fieldf(field, "not a report number; want up to 19 digits")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return "", Fieldf(field, "not a report number; want a positive number up to 9223372036854775807")
	}
	return strconv.FormatInt(n, 10), nil
}

// cybertipService normalises an espService for use in a UserAccount id: lower case, runs of
// spaces as one '-' ("Facebook Messenger" is "facebook-messenger"). A ':' would make two
// (service, id) pairs one id, so it is refused.
func cybertipService(field, s string) (string, *FieldError) {
	svc := strings.ToLower(strings.Join(strings.Fields(s), "-"))
	switch {
	case len(svc) > 100:
		return "", Fieldf(field, "longer than 100 bytes")
	case strings.Contains(svc, ":"):
		return "", Fieldf(field, "contains ':'; a service name has none")
	case !cybertipPrintable(svc):
		return "", Fieldf(field, "contains a control or invisible character")
	}
	return svc, nil
}

// cybertipPrintable reports whether s is valid UTF-8 with no control or invisible characters
// (spaces allowed).
func cybertipPrintable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsGraphic(r) {
			return false
		}
	}
	return true
}

func cybertipDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func cybertipHex(s string) bool {
	for i := range len(s) {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// cybertipJoin appends an element to a field path that may be empty.
func cybertipJoin(path, elem string) string {
	if path == "" {
		return elem
	}
	return path + "/" + elem
}

func cybertipContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
