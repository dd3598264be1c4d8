package loaders

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/crosslink/crosslink/graph"
)

func init() { Register(platformFormat{}) }

// platformFormat loads a platform's exports: its accounts, and the capture events (logins,
// uploads, messages, ...) of those accounts with IP, port and device. Both are CSV and are told
// apart by their header, so one command loads a folder of either.
type platformFormat struct{}

func (platformFormat) Name() string { return "platform" }

func (platformFormat) Describe() string {
	return "platform accounts or account events (CSV; the kind is told by the header)"
}

// Columns each kind of platform file must have. A header with all of one list is that kind.
var (
	platformAccountColumns = []string{"service", "platform_id", "username"}
	platformEventColumns   = []string{"service", "platform_id", "event", "timestamp"}
)

// platformKind is the kind of a platform file.
type platformKind int

const (
	platformAccounts platformKind = iota + 1
	platformEvents
)

// platformKindOf tells the kind of a file by its header. A header with the columns of both
// kinds is refused rather than guessed: loading it as either would drop the other's columns
// without a word.
func platformKindOf(c *CSV) (platformKind, error) {
	missing := func(cols []string) []string {
		var m []string
		for _, col := range cols {
			if !c.Has(col) {
				m = append(m, col)
			}
		}
		return m
	}
	acc, ev := missing(platformAccountColumns), missing(platformEventColumns)
	switch {
	case len(acc) == 0 && len(ev) == 0:
		return 0, fmt.Errorf("header has the columns of both platform accounts (username) and events (event, timestamp); give accounts and events in separate files")
	case len(acc) == 0:
		return platformAccounts, nil
	case len(ev) == 0:
		return platformEvents, nil
	}
	return 0, fmt.Errorf("header is neither platform accounts (missing %s) nor platform events (missing %s)",
		strings.Join(acc, ", "), strings.Join(ev, ", "))
}

// Parse streams a platform accounts or events file; see docs/formats.md "platform".
func (platformFormat) Parse(ctx context.Context, file string, r io.Reader, out *Emitter) error {
	c, err := NewCSV(r, ',')
	if err != nil {
		return err
	}
	kind, err := platformKindOf(c)
	if err != nil {
		return err
	}
	// One clock per file: every record of a file is checked against the same "future".
	now := time.Now()
	return c.Each(ctx, out, func(rec CSVRecord) ([]graph.Node, []graph.Edge, *FieldError) {
		ref := graph.Ref{Line: rec.Line}
		if kind == platformAccounts {
			return platformAccountOf(rec).Graph(ref, now)
		}
		return platformEventOf(rec).Graph(ref, now)
	})
}

// PlatformAccount is one account of a platform accounts export, by canonical column, as read
// from a file or received through the ingest API. Values are raw text; Graph validates them.
type PlatformAccount struct {
	Service     string // the platform, e.g. "snapgram"; scopes PlatformID
	PlatformID  string // the platform's own id of the account
	Username    string
	DisplayName string
	Email       string
	Phone       string
	PhoneRegion string // where a number without +country was dialled; default Country
	Country     string
	CreatedAt   string
}

func platformAccountOf(r CSVRecord) PlatformAccount {
	return PlatformAccount{
		Service: r.Get("service"), PlatformID: r.Get("platform_id"), Username: r.Get("username"),
		DisplayName: r.Get("display_name"), Email: r.Get("email"), Phone: r.Get("phone"),
		PhoneRegion: r.Get("phone_region"), Country: r.Get("country"), CreatedAt: r.Get("created_at"),
	}
}

// Graph validates the account and returns its UserAccount, the Handle of its username, and the
// Email and Phone it uses, with their relationships; or the first field at fault. ref locates
// the record (its Record defaults to the platform id, Seen to the creation time). now bounds
// created_at: a creation in the future is a typing or clock error.
func (a PlatformAccount) Graph(ref graph.Ref, now time.Time) ([]graph.Node, []graph.Edge, *FieldError) {
	service, platformID, fe := platformKey(a.Service, a.PlatformID)
	if fe != nil {
		return nil, nil, fe
	}
	if a.Username == "" {
		return nil, nil, Fieldf("username", "empty; an account needs its username")
	}
	handle, err := graph.NormalizeHandle(a.Username)
	if err != nil {
		return nil, nil, AsField("username", err)
	}
	if len(a.DisplayName) > platformMaxText {
		return nil, nil, Fieldf("display_name", "longer than %d bytes", platformMaxText)
	}
	displayName, clk, fe := nameOrCLK("display_name", a.DisplayName)
	if fe != nil {
		return nil, nil, fe
	}
	var country string
	if a.Country != "" {
		if country, err = graph.NormalizeCountry(a.Country); err != nil {
			return nil, nil, AsField("country", err)
		}
	}
	var created time.Time
	if a.CreatedAt != "" {
		if created, err = graph.NormalizeTime(a.CreatedAt, nil, now); err != nil {
			return nil, nil, AsField("created_at", err)
		}
	}
	var email string
	if a.Email != "" {
		if email, err = graph.NormalizeEmail(a.Email); err != nil {
			return nil, nil, AsField("email", err)
		}
	}
	var phone string
	if a.Phone != "" {
		region := country
		if a.PhoneRegion != "" {
			// Checked here, so that a bad region is blamed on its own column, not on the number.
			if region, err = graph.NormalizeCountry(a.PhoneRegion); err != nil {
				return nil, nil, AsField("phone_region", err)
			}
		}
		if phone, err = graph.NormalizePhone(a.Phone, region); err != nil {
			return nil, nil, AsField("phone", err)
		}
	}

	if ref.Record == "" {
		ref.Record = platformID
	}
	// The account held from its creation; what it uses (e-mail, phone) has no date in an export.
	accRef, idRef := ref, ref
	accRef.Seen, idRef.Seen = created, time.Time{}
	ua := graph.UserAccountID(service, platformID)
	nodes := []graph.Node{
		{Label: graph.LabelUserAccount, ID: ua, Ref: accRef, Props: map[string]any{
			"service": service, "platformId": platformID, "username": a.Username,
			"displayName": displayName, "clk": clk, "createdAt": created, "country": country,
		}},
		{Label: graph.LabelHandle, ID: graph.HandleID(handle), Ref: idRef, Props: map[string]any{"value": handle}},
	}
	edges := []graph.Edge{{Type: graph.RelHasHandle, From: ua, To: graph.HandleID(handle), Ref: idRef}}
	if email != "" {
		nodes = append(nodes, graph.Node{Label: graph.LabelEmail, ID: graph.EmailID(email), Ref: idRef, Props: map[string]any{"address": email}})
		edges = append(edges, graph.Edge{Type: graph.RelUsesEmail, From: ua, To: graph.EmailID(email), Ref: idRef})
	}
	if phone != "" {
		nodes = append(nodes, graph.Node{Label: graph.LabelPhone, ID: graph.PhoneID(phone), Ref: idRef, Props: map[string]any{"number": phone}})
		edges = append(edges, graph.Edge{Type: graph.RelUsesPhone, From: ua, To: graph.PhoneID(phone), Ref: idRef})
	}
	return nodes, edges, nil
}

// Platform event names (docs/formats.md), the NCMEC ipCaptureEvent names plus message.
var platformEventNames = map[string]bool{
	"login": true, "registration": true, "purchase": true, "upload": true, "message": true, "other": true,
}

// PlatformEvent is one capture event of a platform account (a login, upload, message, ...)
// with the IP, port and device it came from, as read from a file or received through the
// ingest API. Values are raw text; Graph validates them.
type PlatformEvent struct {
	Service       string
	PlatformID    string
	Event         string // login, registration, purchase, upload, message or other
	Timestamp     string
	IP            string
	Port          string // source port: with CGNAT, an IPv4 address names a subscriber only with it
	PossibleProxy string // true/false, 1/0, yes/no
	DeviceType    string // imei, iccid, idfa, aaid or device
	DeviceID      string
}

func platformEventOf(r CSVRecord) PlatformEvent {
	return PlatformEvent{
		Service: r.Get("service"), PlatformID: r.Get("platform_id"), Event: r.Get("event"),
		Timestamp: r.Get("timestamp"), IP: r.Get("ip"), Port: r.Get("port"),
		PossibleProxy: r.Get("possible_proxy"), DeviceType: r.Get("device_type"), DeviceID: r.Get("device_id"),
	}
}

// Graph validates the event and returns the UserAccount (service and platform id only, since
// events may be loaded before the accounts), the IPAddress with one LOGGED_IN_FROM per event,
// and the Device with USES_DEVICE; or the first field at fault. The event's time is the Seen of
// every fact, so nodes and relationships span the first to the last event. now bounds the
// timestamp.
func (e PlatformEvent) Graph(ref graph.Ref, now time.Time) ([]graph.Node, []graph.Edge, *FieldError) {
	service, platformID, fe := platformKey(e.Service, e.PlatformID)
	if fe != nil {
		return nil, nil, fe
	}
	event := strings.ToLower(e.Event)
	switch {
	case event == "":
		return nil, nil, Fieldf("event", "empty; want login, registration, purchase, upload, message or other")
	case !platformEventNames[event]:
		return nil, nil, Fieldf("event", "unknown event; want login, registration, purchase, upload, message or other")
	}
	at, err := graph.NormalizeTime(e.Timestamp, nil, now)
	if err != nil {
		return nil, nil, AsField("timestamp", err)
	}
	var ip string
	if e.IP != "" {
		if ip, err = graph.NormalizeIP(e.IP); err != nil {
			return nil, nil, AsField("ip", err)
		}
	}
	var port int64
	if e.Port != "" {
		p, err := strconv.ParseUint(e.Port, 10, 32)
		switch {
		case err != nil && errors.Is(err, strconv.ErrRange), err == nil && (p < 1 || p > 65535):
			return nil, nil, Fieldf("port", "out of range; a port is 1 to 65535")
		case err != nil:
			return nil, nil, Fieldf("port", "not a port number; want 1 to 65535")
		case ip == "":
			return nil, nil, Fieldf("port", "given without an ip")
		}
		port = int64(p)
	}
	var proxy *bool
	if e.PossibleProxy != "" {
		b, ok := platformBool(e.PossibleProxy)
		if !ok {
			return nil, nil, Fieldf("possible_proxy", "not a boolean; want true/false, 1/0 or yes/no")
		}
		proxy = &b
	}
	var devKind, devValue string
	switch {
	case e.DeviceType == "" && e.DeviceID != "":
		return nil, nil, Fieldf("device_type", "empty while device_id is given; want imei, iccid, idfa, aaid or device")
	case e.DeviceType != "" && e.DeviceID == "":
		return nil, nil, Fieldf("device_id", "empty while device_type is given")
	case e.DeviceType != "":
		devKind = strings.ToLower(e.DeviceType)
		if devValue, fe = platformDevice(devKind, e.DeviceID); fe != nil {
			return nil, nil, fe
		}
	}
	if ip == "" && devValue == "" {
		return nil, nil, Fieldf("ip", "empty, and no device either; an event links its account to an ip or a device")
	}

	ref.Seen = at
	ua := graph.UserAccountID(service, platformID)
	nodes := []graph.Node{{Label: graph.LabelUserAccount, ID: ua, Ref: ref,
		Props: map[string]any{"service": service, "platformId": platformID}}}
	var edges []graph.Edge
	if ip != "" {
		props := map[string]any{"at": at, "event": event}
		portKey := ""
		if port != 0 {
			props["port"] = port
			portKey = strconv.FormatInt(port, 10)
		}
		if proxy != nil {
			props["possibleProxy"] = *proxy
		}
		nodes = append(nodes, graph.Node{Label: graph.LabelIPAddress, ID: graph.IPID(ip), Ref: ref, Props: map[string]any{"address": ip}})
		edges = append(edges, graph.Edge{
			Type: graph.RelLoggedInFrom, From: ua, To: graph.IPID(ip), Ref: ref, Props: props,
			// One relationship per capture event: the same event listed twice is one, two
			// events a second apart or from two ports of one CGNAT address are two.
			Key: event + "|" + at.Format(time.RFC3339Nano) + "|" + portKey,
		})
	}
	if devValue != "" {
		dev := graph.DeviceID(devKind, devValue)
		nodes = append(nodes, graph.Node{Label: graph.LabelDevice, ID: dev, Ref: ref, Props: map[string]any{"kind": devKind, "value": devValue}})
		edges = append(edges, graph.Edge{Type: graph.RelUsesDevice, From: ua, To: dev, Ref: ref})
	}
	return nodes, edges, nil
}

// platformMaxText bounds free-text values (platform ids, display names, opaque device ids);
// anything longer is a broken export, not a name.
const platformMaxText = 1024

// platformKey checks the service and platform id that make a UserAccount's id. The service is
// lower-cased (it is lower-cased in the id, and its property must match), the platform id kept
// as given: platforms' ids may be case-sensitive.
func platformKey(service, platformID string) (string, string, *FieldError) {
	service = strings.ToLower(service)
	switch {
	case service == "":
		return "", "", Fieldf("service", "empty; name the platform")
	case len(service) > 100:
		return "", "", Fieldf("service", "longer than 100 bytes")
	}
	for _, r := range service {
		// ':' separates the parts of the id: "a:b" + "c" and "a" + "b:c" must not collide.
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '.' && r != '-' && r != '_' {
			return "", "", Fieldf("service", "contains %q; a service name has letters, digits, '.', '-' and '_'", r)
		}
	}
	switch {
	case platformID == "":
		return "", "", Fieldf("platform_id", "empty; an account needs the platform's id")
	case len(platformID) > platformMaxText:
		return "", "", Fieldf("platform_id", "longer than %d bytes", platformMaxText)
	case !platformPrintable(platformID):
		return "", "", Fieldf("platform_id", "contains a control or invisible character")
	}
	return service, platformID, nil
}

// platformPrintable reports whether s is valid UTF-8 of graphic characters only.
func platformPrintable(s string) bool {
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

// platformBool reads the booleans exports write.
func platformBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true", "1", "yes":
		return true, true
	case "false", "0", "no":
		return false, true
	}
	return false, false
}

// platformDevice checks a device identifier of a kind with graph.NormalizeDevice, naming the
// field at fault: device_type for an unknown kind, device_id for a bad value.
func platformDevice(kind, value string) (string, *FieldError) {
	if !graph.ValidDeviceKind(kind) {
		return "", Fieldf("device_type", "unknown device type; want imei, iccid, idfa, aaid or device")
	}
	v, err := graph.NormalizeDevice(kind, value)
	if err != nil {
		return "", Fieldf("device_id", "%s", graph.ErrorMessage(err))
	}
	return v, nil
}
