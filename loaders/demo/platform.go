package demo

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Platform services of the demo: a messenger, a photo-sharing network and a live-streaming
// site (which bills through the "CamLive Streams" merchant).
var services = []string{"chatapp", "photoshare", "camlive"}

// uaccount is an account on a platform.
type uaccount struct {
	service, id, username, display string
	email                          string // as the platform stores it (case kept)
	phone, region, country         string
	created                        time.Time
	owner                          *person
	dev                            device
	events                         []event // planned events (offenders, reported accounts)
}

// event is a capture event of an account.
type event struct {
	at    time.Time
	kind  string // login, registration, message, upload, purchase
	ip    string
	port  int
	proxy bool
	dev   device
}

// accountOpts shape how an account records its owner.
type accountOpts struct {
	handle     bool    // the username will be written in payment references: keep it distinctive
	alias      bool    // registered with a separate e-mail address, not the one the bank knows
	sameDevice bool    // opened on the owner's usual phone (always true for network members)
	persona    *person // a fake identity shown instead of the owner's (sextortion)
}

// openAccount opens an account for p on a service. The username, display name, e-mail and
// phone are recorded the way users and platforms write them: nicknames, upper-case e-mails,
// national phone formats.
func (w *world) openAccount(p *person, service string, created time.Time, o accountOpts) *uaccount {
	r := w.r
	// Accounts are opened at any time of day.
	created = created.Add(time.Duration(r.IntN(86400)) * time.Second)
	a := &uaccount{service: service, owner: p, created: created, dev: p.device}
	n := w.platIDs.next()
	switch service {
	case "chatapp":
		a.id = strconv.FormatInt(n, 10)
	case "photoshare":
		a.id = "u" + strconv.FormatInt(n, 36)
	default:
		a.id = fmt.Sprintf("cl-%d", n)
	}
	first, last := p.first, p.last
	if o.persona != nil {
		first, last = o.persona.first, o.persona.last
	}
	for {
		u := username(r, first, last, p.birth.Year())
		if o.handle && len(u) < 8 {
			u += itoa(between(r, 10, 99))
		}
		if !w.usernames[service+"/"+u] {
			w.usernames[service+"/"+u] = true
			a.username = u
			break
		}
	}
	switch x := r.Float64(); {
	case o.persona != nil:
		a.display = o.persona.first + " " + string([]rune(o.persona.last)[:1]) + "."
	case p.role == RoleVictimAccount && p.cust == nil:
		// Children abroad: a first name or nothing.
		if x < 0.5 {
			a.display = p.first
		}
	case x < 0.45:
		a.display = p.name()
	case x < 0.8:
		f, l := variant(r, p.first, p.last)
		a.display = f + " " + l
	case x < 0.9:
		a.display = p.first
	default:
		a.display = ""
	}
	switch x := r.Float64(); {
	case o.persona != nil:
		a.email = o.persona.email
	case o.alias || p.email == "" && chance(r, 0.5):
		a.email = w.aliasEmail(r, p)
	case p.email == "":
	case x < 0.55:
		a.email = p.email
	case x < 0.75:
		a.email = strings.ToUpper(p.email)
	case x < 0.85:
		local, domain, _ := strings.Cut(p.email, "@")
		a.email = strings.ToUpper(local[:1]) + local[1:] + "@" + strings.ToUpper(domain[:1]) + domain[1:]
	}
	if o.persona == nil && chance(r, 0.6) || o.handle {
		a.phone = phoneAsWritten(r, p.phone)
		a.region = p.country
	}
	if chance(r, 0.8) {
		a.country = p.country
	}
	if !o.sameDevice && chance(r, 0.15) && p.role == "" {
		a.dev = w.newDevice()
	}
	if !created.Before(w.cfg.Start) {
		a.events = append(a.events, event{at: created, kind: "registration", ip: w.ipOf(r, p), dev: a.dev})
	}
	p.accounts = append(p.accounts, a)
	w.uaccounts = append(w.uaccounts, a)
	return a
}

// aliasEmail is a second address someone keeps for sign-ups.
func (w *world) aliasEmail(r *rand.Rand, p *person) string {
	for {
		e := pick(r, usernameWords) + pick(r, usernameWords) + itoa(between(r, 1, 999)) + "@" + pick(r, emailDomains)
		if !w.emails[e] {
			w.emails[e] = true
			return e
		}
	}
}

// phoneAsWritten writes a number as a user types it: E.164, international with spaces, or
// national (the platform file then names the region).
func phoneAsWritten(r *rand.Rand, ph phone) string {
	switch r.IntN(3) {
	case 0:
		return ph.e164
	case 1:
		return ph.spaced()
	}
	if nat, ok := ph.national(); ok {
		return nat
	}
	return ph.spaced()
}

// ipOf is the address someone is online from at a moment: home, the mobile network (IPv6),
// or a VPN exit for those who use one.
func (w *world) ipOf(r *rand.Rand, p *person) string {
	switch x := r.Float64(); {
	case p.usesVPN && x < 0.3:
		return pick(r, vpnExits)
	case x < 0.7:
		return p.homeIP
	}
	return v6(r, p.household)
}

// buildPlatform opens accounts for ordinary customers and for people the bank never sees.
func (w *world) buildPlatform() {
	r := w.r
	start := w.cfg.Start
	for _, p := range w.customers {
		if p.role != "" {
			continue
		}
		if chance(r, 0.6) {
			w.openAccount(p, "chatapp", start.AddDate(0, 0, -between(r, 30, 3000)), accountOpts{})
		}
		if chance(r, 0.35) {
			w.openAccount(p, "photoshare", start.AddDate(0, 0, -between(r, 30, 2500)), accountOpts{})
		}
		if chance(r, 0.01) {
			w.openAccount(p, "camlive", start.AddDate(0, 0, -between(r, 1, 600)), accountOpts{})
		}
	}
	// Platform users who do not bank here: most in the home countries, some abroad.
	abroad := []string{"PH", "TH", "CO", "RO", "NG", "GH", "IN", "PL", "VN"}
	for range 400 * w.cfg.Scale {
		var p *person
		if chance(r, 0.75) {
			cc := homeCountries[weighted(r, homeWeights)]
			p = w.newPerson(cc, countries[cc].culture, chance(r, 0.5), 13, 70)
			w.giveHomeIP(p)
		} else {
			cc := pick(r, abroad)
			p = w.newPerson(cc, countries[cc].culture, chance(r, 0.5), 13, 60)
			p.homeIP = w.ips.foreignAddr(r)
		}
		if chance(r, 0.8) {
			w.giveEmail(p)
		}
		w.people = append(w.people, p)
		w.openAccount(p, pick(r, []string{"chatapp", "chatapp", "photoshare"}), start.AddDate(0, 0, -between(r, 1, 2500)), accountOpts{})
	}
}

var accountHeader = []string{"service", "platform_id", "username", "display_name", "email", "phone", "phone_region", "country", "created_at"}

// sortedAccounts lists the accounts by service and platform id, so that the file's order says
// nothing about who is an offender.
func (w *world) sortedAccounts() []*uaccount {
	out := slices.Clone(w.uaccounts)
	slices.SortFunc(out, func(a, b *uaccount) int {
		if c := strings.Compare(a.service, b.service); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	return out
}

func (w *world) writePlatformAccounts(ctx context.Context, bw *bufio.Writer) (int, error) {
	cw := newCSVWriter(bw)
	if err := cw.row(accountHeader...); err != nil {
		return 0, err
	}
	n := 0
	for _, a := range w.sortedAccounts() {
		n++
		for _, f := range []string{a.service, a.id, a.username, a.display, a.email, a.phone, a.region, a.country} {
			cw.str(f)
		}
		cw.time(a.created)
		if err := cw.line(); err != nil {
			return n, err
		}
	}
	return n, nil
}

var eventHeader = []string{"service", "platform_id", "event", "timestamp", "ip", "port", "possible_proxy", "device_type", "device_id"}

// writePlatformEvents writes, account by account, the planned events and everyday logins
// drawn now, each account's in time order.
func (w *world) writePlatformEvents(ctx context.Context, bw *bufio.Writer) (int, error) {
	cw := newCSVWriter(bw)
	if err := cw.row(eventHeader...); err != nil {
		return 0, err
	}
	r := newRand(w.cfg.Seed, "platform-events")
	n := 0
	end := w.cfg.End()
	for _, a := range w.sortedAccounts() {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		evs := slices.Clone(a.events)
		evs = append(evs, w.everydayLogins(r, a)...)
		slices.SortStableFunc(evs, func(x, y event) int { return x.at.Compare(y.at) })
		for _, e := range evs {
			if e.at.IsZero() || !e.at.Before(end) {
				continue
			}
			n++
			var port, proxy string
			if e.port > 0 {
				port = itoa(e.port)
			}
			if e.proxy || isVPNExit(e.ip) {
				proxy = "true"
			} else if e.port > 0 || r.IntN(4) == 0 {
				proxy = "false"
			}
			cw.str(a.service)
			cw.str(a.id)
			cw.str(e.kind)
			cw.time(e.at)
			for _, f := range []string{e.ip, port, proxy, e.dev.kind, e.dev.id} {
				cw.str(f)
			}
			if err := cw.line(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

func isVPNExit(ip string) bool { return slices.Contains(vpnExits, ip) }

// everydayLogins draws an account's routine logins over the period: a few a month, from home,
// the mobile network (behind carrier-grade NAT, where only the port tells subscribers apart)
// or a VPN.
func (w *world) everydayLogins(r *rand.Rand, a *uaccount) []event {
	p := a.owner
	var out []event
	rate := 0.02 + r.Float64()*0.1 // logins per day
	for d := range w.cfg.Days {
		if !chance(r, rate) {
			continue
		}
		at := w.localTime(r, d, between(r, 7*60, 24*60-1), p.city.offset)
		if at.Before(a.created) {
			continue
		}
		e := event{at: at, kind: "login", dev: a.dev}
		switch x := r.Float64(); {
		case p.usesVPN && x < 0.25:
			e.ip, e.proxy = pick(r, vpnExits), true
		case x < 0.6:
			e.ip = p.homeIP
		case x < 0.8:
			e.ip = v6(r, p.household)
		default:
			e.ip, e.port = cgnat(r)
		}
		out = append(out, e)
	}
	return out
}
