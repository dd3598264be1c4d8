package demo

import (
	"bufio"
	"context"
	"encoding/xml"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// report is a CyberTipline report an ESP files about one of its accounts.
type report struct {
	id          int64
	at          time.Time
	service     string
	itype       string
	annotations []string
	subject     *uaccount
	person      bool // the ESP knows a name, e-mail or phone of the subject
	recipients  []*uaccount
	victims     []*uaccount
	prior       []*report
	group       string
	captures    []event
	files       []*file
	net         *network
	x           xReport // as written, rendered once the numbers are known
}

// file is an uploaded file of a report: only its hashes and metadata, never content.
type file struct {
	id, name, md5, sha1 string
	viewed, live        bool
	class               string
}

// Incident types of the XSD used by the demo.
const (
	incidentCSAM       = "Child Pornography (possession, manufacture, and distribution)"
	incidentEnticement = "Online Enticement of Children for Sexual Acts"
	incidentTrafficked = "Child Sex Trafficking"
	incidentObscene    = "Unsolicited Obscene Material Sent to a Child"
)

// buildReports files the reports: platforms report buyers, facilitators and extortionists,
// naming recipients and victims, and reports of one network refer to earlier ones; a few
// reports concern platform users outside any network.
func (w *world) buildReports() {
	r := newRand(w.cfg.Seed, "reports")
	days := w.cfg.Days
	for _, n := range w.networks {
		pool := w.networkFiles(r, 6+len(n.buyers))
		switch n.kind {
		case kindLivestream:
			for _, b := range n.buyers {
				for range pick(r, []int{0, 1, 1, 2, 2}) {
					a := pick(r, b.accounts)
					rep := w.newReport(r, n, a, between(r, 15, days-3))
					rep.itype = pick(r, []string{incidentCSAM, incidentCSAM, incidentEnticement})
					rep.annotations = []string{"csamSolicitation"}
					rep.recipients = w.accountsOf(r, n.facils, a.service, 1)
					rep.victims = w.accountsOf(r, n.victims, "", between(r, 0, 2))
					rep.files = pickFiles(r, pool, between(r, 0, 3))
				}
			}
			for _, f := range n.facils {
				for range between(r, 2, 3) {
					a := pick(r, f.accounts)
					rep := w.newReport(r, n, a, between(r, 10, days-3))
					rep.itype = pick(r, []string{incidentCSAM, incidentTrafficked})
					rep.recipients = w.accountsOf(r, n.buyers, a.service, between(r, 1, 3))
					rep.victims = w.accountsOf(r, n.victims, "", between(r, 1, 3))
					rep.files = pickFiles(r, pool, between(r, 1, 4))
					for _, fl := range rep.files {
						fl.live = a.service == "camlive"
					}
				}
			}
		case kindSextortion:
			for _, v := range n.victims {
				if v.extorter == nil || v.age(v.contact) >= 18 {
					// Adults' cases reach the bank, not the CyberTipline.
					continue
				}
				d := int(v.contact.Sub(w.cfg.Start).Hours()/24) + between(r, 1, 4)
				rep := w.newReport(r, n, v.extorter.accounts[0], min(d, days-1))
				rep.itype = incidentEnticement
				rep.annotations = []string{"sextortion"}
				rep.victims = []*uaccount{v.accounts[0]}
				rep.files = pickFiles(r, pool, between(r, 0, 2))
			}
		}
	}
	// Reports about platform users outside the networks: spam and obscene messages, whose
	// subjects the bank has never seen.
	var others []*uaccount
	for _, a := range w.uaccounts {
		if a.owner.cust == nil && a.owner.role == "" {
			others = append(others, a)
		}
	}
	for range 4 * w.cfg.Scale {
		if len(others) == 0 {
			break
		}
		a := pick(r, others)
		rep := w.newReport(r, nil, a, between(r, 1, days-2))
		rep.itype = incidentObscene
		rep.annotations = []string{"spam"}
		rep.files = w.networkFiles(r, between(r, 0, 1))
	}
	// Report numbers rise with time, as NCMEC's do; a later report of a network names earlier
	// ones about the same people.
	slices.SortStableFunc(w.reports, func(a, b *report) int { return a.at.Compare(b.at) })
	id := int64(180_000_000 + r.IntN(5_000_000))
	for i, rep := range w.reports {
		id += int64(between(r, 2_000, 90_000))
		rep.id = id
		if rep.net == nil {
			continue
		}
		var same, other []*report
		for _, p := range w.reports[:i] {
			switch {
			case p.net != rep.net:
			case p.subject.owner == rep.subject.owner:
				same = append(same, p)
			default:
				other = append(other, p)
			}
		}
		if len(same) > 0 {
			rep.prior = append(rep.prior, same[len(same)-1])
		}
		if len(other) > 0 && chance(r, 0.5) {
			rep.prior = append(rep.prior, pick(r, other))
		}
	}
	for _, rep := range w.reports {
		rep.x = rep.xml(r)
	}
}

// newReport starts a report about account a on day d, with the IP captures the platform
// holds: some of the planned logins (those next to payments, for the D4 join) and new ones
// around the incident, which platform_events.csv also lists.
func (w *world) newReport(r *rand.Rand, n *network, a *uaccount, d int) *report {
	p := a.owner
	at := w.localTime(r, d, between(r, 0, 24*60-1), p.city.offset)
	rep := &report{at: at, service: a.service, subject: a, person: chance(r, 0.75), net: n}
	if n != nil && chance(r, 0.6) {
		rep.group = n.group
	}
	var logins []event
	for _, e := range a.events {
		if e.kind == "login" && e.at.Before(at) {
			logins = append(logins, e)
		}
	}
	for range min(len(logins), between(r, 0, 2)) {
		e := pick(r, logins)
		if !slices.ContainsFunc(rep.captures, func(x event) bool { return x.at.Equal(e.at) }) {
			rep.captures = append(rep.captures, e)
		}
	}
	for i := range between(r, 1, 3) {
		e := event{at: at.Add(-time.Duration(between(r, 5, 60*24*(i+1))) * time.Minute), kind: "login", dev: a.dev}
		switch x := r.Float64(); {
		case p.usesVPN && x < 0.35:
			e.ip, e.proxy = pick(r, vpnExits), true
		case x < 0.7:
			e.ip = p.homeIP
		case x < 0.85:
			e.ip = v6(r, p.household)
		default:
			e.ip, e.port = cgnat(r)
		}
		if e.port == 0 && chance(r, 0.4) {
			// The ESP logged the client's source port too, as NCMEC asks.
			e.port = between(r, 49152, 65535)
		}
		if i == 0 {
			e.at, e.kind = at, "upload"
		}
		a.events = append(a.events, e)
		rep.captures = append(rep.captures, e)
	}
	slices.SortStableFunc(rep.captures, func(x, y event) int { return x.at.Compare(y.at) })
	w.reports = append(w.reports, rep)
	return rep
}

// accountsOf picks up to k accounts of the people, on the service when they have one there.
func (w *world) accountsOf(r *rand.Rand, people []*person, service string, k int) []*uaccount {
	var out []*uaccount
	for _, i := range r.Perm(len(people)) {
		if len(out) >= k {
			break
		}
		p := people[i]
		if len(p.accounts) == 0 {
			continue
		}
		a := p.accounts[0]
		for _, b := range p.accounts {
			if b.service == service {
				a = b
			}
		}
		out = append(out, a)
	}
	return out
}

// networkFiles is a network's pool of files: the same file is reported again and again, which
// is how hash matching links reports (Lantern's CSAM hash signal).
func (w *world) networkFiles(r *rand.Rand, k int) []*file {
	var out []*file
	for range k {
		ext := pick(r, []string{".jpg", ".jpg", ".png", ".mp4", ".mov"})
		out = append(out, &file{id: randHex(r, 32), name: pick(r, []string{"IMG_", "VID_", "image", "clip", "Screenshot_"}) + itoa(between(r, 1000, 99999)) + ext,
			md5: randHex(r, 32), sha1: randHex(r, 40), viewed: chance(r, 0.7), class: pick(r, []string{"A1", "A2", "B1", "B2", ""})})
	}
	return out
}

func pickFiles(r *rand.Rand, pool []*file, k int) []*file {
	var out []*file
	for _, i := range r.Perm(len(pool)) {
		if len(out) >= k {
			break
		}
		out = append(out, pool[i])
	}
	return out
}

// XML of the CyberTipline reporting API (ncmec_report_validation.xsd), elements in the order
// of the schema's sequences. A report carries its number as <report reportId="...">, which the
// loader reads and the ESP-side schema does not have (NCMEC assigns it on submission).

type xReport struct {
	XMLName    xml.Name     `xml:"report"`
	ReportID   int64        `xml:"reportId,attr"`
	Summary    xSummary     `xml:"incidentSummary"`
	Internet   []xInternet  `xml:"internetDetails"`
	Reporter   xReporter    `xml:"reporter"`
	Subjects   []xParty     `xml:"personOrUserReported"`
	Recipients []xRecipient `xml:"intendedRecipient"`
	Victims    []xVictim    `xml:"victim"`
	Additional string       `xml:"additionalInfo,omitempty"`
}

type xSummary struct {
	IncidentType     string        `xml:"incidentType"`
	Platform         string        `xml:"platform,omitempty"`
	Escalate         string        `xml:"escalateToHighPriority,omitempty"`
	Annotations      *xAnnotations `xml:"reportAnnotations,omitempty"`
	IncidentDateTime string        `xml:"incidentDateTime"`
}

type xAnnotations struct {
	Sextortion       string `xml:"sextortion,omitempty"`
	CSAMSolicitation string `xml:"csamSolicitation,omitempty"`
	MinorToMinor     string `xml:"minorToMinorInteraction,omitempty"`
	Spam             string `xml:"spam,omitempty"`
}

type xInternet struct {
	Chat *xChat `xml:"chatImIncident,omitempty"`
}

type xChat struct {
	ChatClient   string `xml:"chatClient,omitempty"`
	ChatRoomName string `xml:"chatRoomName,omitempty"`
}

type xReporter struct {
	ReportingPerson xPerson `xml:"reportingPerson"`
}

type xPerson struct {
	FirstName   string   `xml:"firstName,omitempty"`
	LastName    string   `xml:"lastName,omitempty"`
	Phones      []xPhone `xml:"phone"`
	Emails      []xEmail `xml:"email"`
	Age         string   `xml:"age,omitempty"`
	DateOfBirth string   `xml:"dateOfBirth,omitempty"`
}

type xPhone struct {
	Value    string `xml:",chardata"`
	Type     string `xml:"type,attr,omitempty"`
	Verified string `xml:"verified,attr,omitempty"`
}

type xEmail struct {
	Value    string `xml:",chardata"`
	Type     string `xml:"type,attr,omitempty"`
	Verified string `xml:"verified,attr,omitempty"`
}

type xParty struct {
	Person     *xPerson     `xml:"personOrUserReportedPerson,omitempty"`
	ESPID      string       `xml:"espIdentifier,omitempty"`
	ESPService string       `xml:"espService,omitempty"`
	ScreenName string       `xml:"screenName,omitempty"`
	Display    []string     `xml:"displayName"`
	ProfileURL []string     `xml:"profileUrl"`
	Captures   []xIPCapture `xml:"ipCaptureEvent"`
	Devices    []xDevice    `xml:"deviceId"`
	Prior      []int64      `xml:"priorCTReports"`
	Group      string       `xml:"groupIdentifier,omitempty"`
	Disabled   *xDisabled   `xml:"accountPermanentlyDisabled,omitempty"`
	Location   *xLocation   `xml:"estimatedLocation,omitempty"`
}

type xRecipient struct {
	ESPID      string     `xml:"espIdentifier,omitempty"`
	ESPService string     `xml:"espService,omitempty"`
	ScreenName string     `xml:"screenName,omitempty"`
	Display    []string   `xml:"displayName"`
	Group      string     `xml:"groupIdentifier,omitempty"`
	Location   *xLocation `xml:"estimatedLocation,omitempty"`
}

type xVictim struct {
	Person     xPerson `xml:"victimPerson"`
	ESPID      string  `xml:"espIdentifier,omitempty"`
	ESPService string  `xml:"espService,omitempty"`
	ScreenName string  `xml:"screenName,omitempty"`
}

type xIPCapture struct {
	IPAddress string `xml:"ipAddress"`
	EventName string `xml:"eventName,omitempty"`
	DateTime  string `xml:"dateTime,omitempty"`
	Proxy     string `xml:"possibleProxy,omitempty"`
	Port      string `xml:"port,omitempty"`
}

type xDevice struct {
	IDType    string `xml:"idType"`
	IDValue   string `xml:"idValue"`
	EventName string `xml:"eventName,omitempty"`
	DateTime  string `xml:"dateTime,omitempty"`
}

type xDisabled struct {
	Value        string `xml:",chardata"`
	DisabledDate string `xml:"disabledDate,attr,omitempty"`
}

type xLocation struct {
	City        string `xml:"city,omitempty"`
	Region      string `xml:"region,omitempty"`
	CountryCode string `xml:"countryCode,omitempty"`
}

type xFileDetails struct {
	XMLName        xml.Name          `xml:"fileDetails"`
	ReportID       int64             `xml:"reportId"`
	FileID         string            `xml:"fileId"`
	FileName       string            `xml:"fileName,omitempty"`
	Uploaded       string            `xml:"uploadedToEspTimestamp,omitempty"`
	Viewed         string            `xml:"fileViewedByEsp"`
	ExifViewed     string            `xml:"exifViewedByEsp"`
	Public         string            `xml:"publiclyAvailable"`
	Relevance      string            `xml:"fileRelevance"`
	Annotations    *xFileAnnotations `xml:"fileAnnotations,omitempty"`
	Classification string            `xml:"industryClassification,omitempty"`
	Hashes         []xHash           `xml:"originalFileHash"`
}

type xFileAnnotations struct {
	LiveStreaming string `xml:"liveStreaming,omitempty"`
}

type xHash struct {
	Value    string `xml:",chardata"`
	HashType string `xml:"hashType,attr"`
}

// espZone is the time zone ESPs write incident times in (their headquarters', UTC-8); capture
// events are in UTC.
var espZone = time.FixedZone("", -8*3600)

func capture(e event) xIPCapture {
	x := xIPCapture{IPAddress: e.ip, EventName: strings.ToUpper(e.kind[:1]) + e.kind[1:], DateTime: e.at.Format(time.RFC3339)}
	if e.proxy || isVPNExit(e.ip) {
		x.Proxy = "true"
	}
	if e.port > 0 {
		x.Port = strconv.Itoa(e.port)
	}
	return x
}

func profileURL(a *uaccount) string {
	return "https://" + a.service + ".example/" + a.username
}

// xml renders the report. r draws how the ESP wrote the subject's name and numbers.
func (rep *report) xml(r *rand.Rand) xReport {
	a := rep.subject
	p := a.owner
	x := xReport{ReportID: rep.id}
	x.Summary = xSummary{IncidentType: rep.itype, Platform: rep.service, IncidentDateTime: rep.at.In(espZone).Format(time.RFC3339)}
	if len(rep.annotations) > 0 {
		x.Summary.Annotations = &xAnnotations{}
		for _, an := range rep.annotations {
			switch an {
			case "sextortion":
				x.Summary.Annotations.Sextortion = "true"
			case "csamSolicitation":
				x.Summary.Annotations.CSAMSolicitation = "true"
			case "spam":
				x.Summary.Annotations.Spam = "true"
			}
		}
	}
	if rep.net != nil && rep.net.kind == kindSextortion {
		x.Summary.Escalate = "sextortion of a minor in progress"
	}
	x.Internet = []xInternet{{Chat: &xChat{ChatClient: rep.service}}}
	x.Reporter.ReportingPerson = xPerson{FirstName: "Trust", LastName: "Safety",
		Emails: []xEmail{{Value: "cybertip-reports@" + rep.service + ".example", Type: "Business"}}}

	s := xParty{ESPID: a.id, ESPService: a.service, ScreenName: a.username, ProfileURL: []string{profileURL(a)}}
	if a.display != "" {
		s.Display = []string{a.display}
	}
	if rep.person {
		per := &xPerson{}
		first, last := p.first, p.last
		if p.role == RoleExtortionist {
			// The platform knows only the persona the account shows.
			first, last, _ = strings.Cut(a.display, " ")
			last = strings.TrimSuffix(last, ".")
		} else if chance(r, 0.5) {
			first, last = variant(r, p.first, p.last)
		}
		if len([]rune(last)) > 1 {
			per.FirstName, per.LastName = first, last
		}
		if a.email != "" {
			per.Emails = append(per.Emails, xEmail{Value: a.email, Type: "Home", Verified: "true"})
		} else if p.email != "" && p.role != RoleExtortionist {
			per.Emails = append(per.Emails, xEmail{Value: strings.ToUpper(p.email[:1]) + p.email[1:], Type: "Home"})
		}
		if a.phone != "" {
			per.Phones = append(per.Phones, xPhone{Value: pick(r, []string{p.phone.e164, p.phone.spaced()}), Type: "Mobile", Verified: "true"})
		}
		if p.cust != nil && chance(r, 0.3) {
			per.DateOfBirth = p.birth.Format(time.DateOnly)
		}
		s.Person = per
	}
	for _, e := range rep.captures {
		s.Captures = append(s.Captures, capture(e))
	}
	if a.dev.id != "" {
		s.Devices = []xDevice{{IDType: strings.ToUpper(a.dev.kind), IDValue: a.dev.id, EventName: "Login", DateTime: rep.captures[0].at.Format(time.RFC3339)}}
	}
	for _, pr := range rep.prior {
		s.Prior = append(s.Prior, pr.id)
	}
	s.Group = rep.group
	if chance(r, 0.4) {
		s.Disabled = &xDisabled{Value: "true", DisabledDate: rep.at.Add(time.Duration(between(r, 1, 48)) * time.Hour).UTC().Format(time.RFC3339)}
	}
	s.Location = &xLocation{City: p.city.name, Region: p.city.region, CountryCode: p.country}
	x.Subjects = []xParty{s}
	for _, ra := range rep.recipients {
		rc := xRecipient{ESPID: ra.id, ESPService: ra.service, ScreenName: ra.username, Group: rep.group}
		if ra.display != "" {
			rc.Display = []string{ra.display}
		}
		if chance(r, 0.5) {
			rc.Location = &xLocation{CountryCode: ra.owner.country}
		}
		x.Recipients = append(x.Recipients, rc)
	}
	for _, va := range rep.victims {
		// Identifiers only: the account, never a child's name or birth date.
		x.Victims = append(x.Victims, xVictim{Person: xPerson{Age: itoa(va.owner.age(rep.at))}, ESPID: va.id, ESPService: va.service, ScreenName: va.username})
	}
	if rep.net != nil && rep.net.kind == kindLivestream {
		x.Additional = "User paid for private live video sessions; payment references shared in chat."
	}
	return x
}

func (f *file) xml(reportID int64, at time.Time) xFileDetails {
	x := xFileDetails{ReportID: reportID, FileID: f.id, FileName: f.name, Uploaded: at.Format(time.RFC3339),
		Viewed: strconv.FormatBool(f.viewed), ExifViewed: "false", Public: "false", Relevance: "Reported",
		Classification: f.class, Hashes: []xHash{{Value: f.md5, HashType: "MD5"}, {Value: f.sha1, HashType: "SHA1"}}}
	if f.live {
		x.Annotations = &xFileAnnotations{LiveStreaming: "true"}
	}
	return x
}

// writeCyberTip writes <reports> with each report followed by the <fileDetails> of its files.
func (w *world) writeCyberTip(ctx context.Context, bw *bufio.Writer) (int, error) {
	if _, err := bw.WriteString(xml.Header + "<reports>\n"); err != nil {
		return 0, err
	}
	enc := xml.NewEncoder(bw)
	enc.Indent("  ", "  ")
	for _, rep := range w.reports {
		if err := enc.Encode(rep.x); err != nil {
			return 0, fmt.Errorf("report %d: %w", rep.id, err)
		}
		for _, f := range rep.files {
			if err := enc.Encode(f.xml(rep.id, rep.at.UTC())); err != nil {
				return 0, err
			}
		}
	}
	if err := enc.Flush(); err != nil {
		return 0, err
	}
	if _, err := bw.WriteString("\n</reports>\n"); err != nil {
		return 0, err
	}
	return len(w.reports), nil
}
