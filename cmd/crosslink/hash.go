package main

import (
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/resolve"
)

const hashUsage = `usage: crosslink hash -format transactions|platform [-columns COL=KIND,...] [-key-file FILE] [-region CC] [-o OUT] [-skip-invalid] IN.csv

Prepares a file for privacy-preserving sharing (docs/privacy.md): each identifier is normalised
as the loader would and replaced by its HMAC-SHA256 under the consortium key ("hmac:<hex>"),
and each name (with its birth date) by a Bloom-filter encoding ("clk:<base64>"); the birth date
column is emptied. The header and the other columns are copied unchanged, so the result loads
with 'crosslink load <format>'. The key is read from -key-file or CROSSLINK_CONSORTIUM_KEY (hex
or base64, at least 32 bytes); it is never printed or written.

Column kinds for -columns (they replace the format's own choice for those columns):
  email, phone, iban, account, handle   identifiers, keyed
  device, device:TYPE                   a device id, its type from the format's type column or TYPE
  name, name:DATECOLUMN                 a name, encoded as a CLK with the birth date of DATECOLUMN
  drop                                  emptied (free text that names people, IPs, ...)
  clear                                 copied unchanged

`

// Column kinds of the hash command.
const (
	hkEmail   = "email"
	hkPhone   = "phone"
	hkIBAN    = "iban"
	hkAccount = "account"
	hkHandle  = "handle"
	hkDevice  = "device"
	hkName    = "name"
	hkDrop    = "drop"
	hkClear   = "clear"
)

// hashRule says what happens to one column.
type hashRule struct {
	kind       string
	regionCols []string // phone: columns giving the region of a number without +country, first non-empty wins
	typeCol    string   // device: the column of the device type
	typeFixed  string   // device: the type, when given as device:TYPE
	typeNeeded bool     // device: an empty type is an error (else it is "device")
	dateCol    string   // name: the birth-date column encoded with the name, then emptied
	explicit   bool     // named by -columns: its columns must be in the header
}

// hashPresets are the columns of each loader format that carry identifiers and names, as
// docs/formats.md defines them. Columns a file lacks are skipped.
var hashPresets = map[string]map[string]hashRule{
	"transactions": {
		"payer_email":     {kind: hkEmail},
		"payee_email":     {kind: hkEmail},
		"payer_phone":     {kind: hkPhone, regionCols: []string{"payer_country"}},
		"payee_phone":     {kind: hkPhone, regionCols: []string{"payee_country"}},
		"payer_iban":      {kind: hkIBAN},
		"payee_iban":      {kind: hkIBAN},
		"payer_account":   {kind: hkAccount},
		"payee_account":   {kind: hkAccount},
		"payer_device_id": {kind: hkDevice, typeCol: "payer_device_type"},
		"payer_name":      {kind: hkName, dateCol: "payer_birth_date"},
		"payee_name":      {kind: hkName},
	},
	// Accounts and events files: each has the columns of its kind.
	"platform": {
		"username":     {kind: hkHandle},
		"email":        {kind: hkEmail},
		"phone":        {kind: hkPhone, regionCols: []string{"phone_region", "country"}},
		"display_name": {kind: hkName},
		"device_id":    {kind: hkDevice, typeCol: "device_type", typeNeeded: true},
	},
}

// hashIDKinds maps the identifier column kinds to the resolve kinds they are keyed as.
var hashIDKinds = map[string]string{
	hkEmail: resolve.IDEmail, hkPhone: resolve.IDPhone, hkIBAN: resolve.IDAccount, hkAccount: resolve.IDAccount,
	hkHandle: resolve.IDHandle, hkDevice: resolve.IDDevice,
}

// Limits the loaders apply, checked here so that a value the loader would refuse is refused
// before it is keyed beyond recognition.
const (
	hashMaxKey  = 256  // account numbers (loaders: txMaxKey)
	hashMaxText = 4096 // names (loaders: txMaxText)
)

// minKeyBytes is the shortest consortium key accepted: HMAC-SHA256's own output length.
const minKeyBytes = 32

func runHash(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	e := &env{getenv: getenv}
	var format, columns, keyFile, region, out string
	var skipInvalid bool
	fs := flag.NewFlagSet("hash", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, hashUsage); fs.PrintDefaults() }
	fs.StringVar(&format, "format", "", "the loader format of the file: transactions or platform (empty: only -columns)")
	fs.StringVar(&columns, "columns", "", "COL=KIND,... columns to key or encode, besides or instead of the format's")
	fs.StringVar(&keyFile, "key-file", "", "file holding the consortium key, hex or base64 (default: CROSSLINK_CONSORTIUM_KEY)")
	fs.StringVar(&region, "region", "", "country (ISO 3166) of phone numbers without +country when the row names none")
	fs.StringVar(&out, "o", "", "output file (default: standard output); written whole or not at all")
	fs.BoolVar(&skipInvalid, "skip-invalid", false, "empty and count values that fail normalisation instead of stopping")
	files, err := parseInterspersed(fs, args, e)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		fs.Usage()
		return errUsage
	}
	in := files[0]
	rules, err := hashRules(format, columns)
	if err != nil {
		return err
	}
	if region != "" {
		if region, err = graph.NormalizeCountry(region); err != nil {
			return fmt.Errorf("hash: -region: %s", graph.ErrorMessage(err))
		}
	}
	key, err := consortiumKey(keyFile, getenv)
	if err != nil {
		return fmt.Errorf("hash: %w", err)
	}
	h := &hasher{keyer: resolve.NewKeyer(key), rules: rules, region: region, skipInvalid: skipInvalid, now: time.Now()}
	clear(key)

	src, err := os.Open(in)
	if err != nil {
		return fmt.Errorf("hash: %w", err)
	}
	defer src.Close()
	var w io.Writer = stdout
	var commit func() error
	if out != "" {
		f, done, err := createAtomic(out, src)
		if err != nil {
			return fmt.Errorf("hash: %w", err)
		}
		defer done(false)
		w, commit = f, func() error { return done(true) }
	}
	if err := h.run(ctx, filepath.Base(in), src, w); err != nil {
		return fmt.Errorf("hash: %w", err)
	}
	if commit != nil {
		if err := commit(); err != nil {
			return fmt.Errorf("hash: %w", err)
		}
	}
	h.summary(stderr, filepath.Base(in))
	return nil
}

// hashRules merges the format's preset with -columns.
func hashRules(format, columns string) (map[string]hashRule, error) {
	rules := map[string]hashRule{}
	if format != "" {
		preset, ok := hashPresets[format]
		if !ok {
			return nil, fmt.Errorf("hash: -format %q: want transactions or platform", format)
		}
		for col, r := range preset {
			rules[col] = r
		}
	}
	if strings.TrimSpace(columns) != "" {
		for _, item := range strings.Split(columns, ",") {
			col, kind, ok := strings.Cut(item, "=")
			col = strings.ToLower(strings.TrimSpace(col))
			kind = strings.TrimSpace(kind)
			if !ok || col == "" || kind == "" {
				return nil, fmt.Errorf("hash: -columns %q: want COLUMN=KIND", strings.TrimSpace(item))
			}
			r := hashRule{explicit: true}
			base, arg, _ := strings.Cut(kind, ":")
			switch r.kind = strings.ToLower(base); r.kind {
			case hkEmail, hkPhone, hkIBAN, hkAccount, hkHandle, hkDrop, hkClear:
				if arg != "" {
					return nil, fmt.Errorf("hash: -columns %s=%s: %s takes no argument", col, kind, r.kind)
				}
			case hkDevice:
				r.typeFixed = strings.ToLower(arg)
				if old, ok := rules[col]; ok && arg == "" && old.kind == hkDevice {
					r.typeCol, r.typeNeeded = old.typeCol, old.typeNeeded
				}
				if arg != "" && !graph.ValidDeviceKind(r.typeFixed) {
					return nil, fmt.Errorf("hash: -columns %s=%s: unknown device type; want %s", col, kind, strings.Join(graph.DeviceKinds, ", "))
				}
			case hkName:
				r.dateCol = strings.ToLower(arg)
			default:
				return nil, fmt.Errorf("hash: -columns %s=%s: unknown kind; want email, phone, iban, account, handle, device[:TYPE], name[:DATECOLUMN], drop or clear", col, kind)
			}
			if old, ok := rules[col]; ok && r.kind == hkPhone {
				r.regionCols = old.regionCols
			}
			rules[col] = r
		}
	}
	for col, r := range rules {
		if r.dateCol == "" {
			continue
		}
		if d, ok := rules[r.dateCol]; ok && d.kind != hkClear && d.kind != hkDrop {
			return nil, fmt.Errorf("hash: column %s is the birth date of %s and cannot also be %s", r.dateCol, col, d.kind)
		}
	}
	if len(rules) == 0 {
		return nil, errors.New("hash: nothing to do: give -format or -columns")
	}
	return rules, nil
}

// consortiumKey reads the key from the file, else from CROSSLINK_CONSORTIUM_KEY. Its errors
// never include the key or any part of it.
func consortiumKey(file string, getenv func(string) string) ([]byte, error) {
	var text, from string
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("-key-file: %w", err)
		}
		text, from = string(b), "the key file"
		clear(b)
	} else {
		text, from = getenv("CROSSLINK_CONSORTIUM_KEY"), "CROSSLINK_CONSORTIUM_KEY"
		if strings.TrimSpace(text) == "" {
			return nil, errors.New("no consortium key: give -key-file FILE or set CROSSLINK_CONSORTIUM_KEY (hex or base64, at least 32 bytes)")
		}
	}
	key, ok := decodeKey(strings.TrimSpace(text))
	switch {
	case !ok:
		return nil, fmt.Errorf("the consortium key in %s is neither hex nor base64", from)
	case len(key) < minKeyBytes:
		return nil, fmt.Errorf("the consortium key in %s has %d bytes; at least %d are needed", from, len(key), minKeyBytes)
	}
	return key, nil
}

// decodeKey reads a key written in hex (tried first: a hex text is also base64) or in base64,
// standard or URL-safe, with or without padding.
func decodeKey(s string) ([]byte, bool) {
	if b, err := hex.DecodeString(s); err == nil && s != "" {
		return b, true
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.Strict().DecodeString(s); err == nil && s != "" && !strings.ContainsAny(s, "\r\n") {
			return b, true
		}
	}
	return nil, false
}

// createAtomic creates a temporary file beside path; done(true) renames it to path, done(false)
// removes it (a no-op after done(true)). It refuses to write over the input.
func createAtomic(path string, input *os.File) (io.Writer, func(bool) error, error) {
	if st, err := os.Stat(path); err == nil {
		if ist, err := input.Stat(); err == nil && os.SameFile(st, ist) {
			return nil, nil, fmt.Errorf("-o %s is the input file; write the hashed file elsewhere", path)
		}
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, nil, err
	}
	finished := false
	done := func(ok bool) error {
		if finished {
			return nil
		}
		finished = true
		if !ok {
			f.Close()
			return os.Remove(f.Name())
		}
		if err := f.Close(); err != nil {
			os.Remove(f.Name())
			return err
		}
		if err := os.Rename(f.Name(), path); err != nil {
			os.Remove(f.Name())
			return err
		}
		return nil
	}
	return f, done, nil
}

// hasher rewrites one CSV file.
type hasher struct {
	keyer       *resolve.Keyer
	rules       map[string]hashRule
	region      string
	skipInvalid bool
	now         time.Time

	header []string       // the file's column names, trimmed, for messages
	index  map[string]int // column by lower-case name

	rows    int
	keyed   map[string]int // values keyed, by column kind
	names   int            // names encoded
	invalid tally          // values emptied, with -skip-invalid
	dropped tally          // rows left out, with -skip-invalid
}

// tally counts problems and keeps the first few, "file:line: column: reason".
type tally struct {
	n     int
	first []string
}

const tallyKeep = 10

func (t *tally) add(s string) {
	t.n++
	if len(t.first) < tallyKeep {
		t.first = append(t.first, s)
	}
}

// hashValueError is a value that failed normalisation.
type hashValueError struct {
	col    string // as the header writes it
	reason string
}

// run copies r to w, keying and encoding the rules' columns of every row.
func (h *hasher) run(ctx context.Context, file string, r io.Reader, w io.Writer) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: the file is empty: a header line is required", file)
	}
	if err != nil {
		return fmt.Errorf("%s: header: %w", file, err)
	}
	h.index = map[string]int{}
	for i, col := range header {
		col = strings.TrimSpace(col)
		if i == 0 {
			col = strings.TrimPrefix(col, "\ufeff")
		}
		name := strings.ToLower(col)
		if _, dup := h.index[name]; dup {
			return fmt.Errorf("%s: header names column %q twice", file, name)
		}
		h.index[name] = i
		h.header = append(h.header, col)
	}
	cols, err := h.columns(file)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	h.keyed = map[string]int{}
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		line := 0
		switch {
		case errors.As(err, &pe):
			line, err = pe.StartLine, fmt.Errorf("malformed CSV: %v", pe.Err)
		case err != nil:
			return fmt.Errorf("%s: %w", file, err)
		default:
			line, _ = cr.FieldPos(0)
			if len(rec) != len(header) {
				err = fmt.Errorf("has %d fields, the header has %d", len(rec), len(header))
			}
		}
		if err != nil {
			// A row that cannot be read cannot be hashed, and copying it would let its
			// identifiers out in clear.
			if !h.skipInvalid {
				return fmt.Errorf("%s:%d: %w (or give -skip-invalid to leave such rows out)", file, line, err)
			}
			h.dropped.add(fmt.Sprintf("%s:%d: %v", file, line, err))
			continue
		}
		for _, c := range cols {
			if ve := h.apply(rec, c); ve != nil {
				where := fmt.Sprintf("%s:%d: %s: %s", file, line, ve.col, ve.reason)
				if !h.skipInvalid {
					return fmt.Errorf("%s (or give -skip-invalid to empty such values)", where)
				}
				h.invalid.add(where)
			}
		}
		h.rows++
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// hashColumn is a rule bound to a file's header.
type hashColumn struct {
	i int // the column's index
	hashRule
}

// columns binds the rules to the header: a column of -columns must be in it, a preset's may
// not; a file with none of the columns is an error, since copying it unchanged would send its
// identifiers in clear under a name that says they are hashed.
func (h *hasher) columns(file string) ([]hashColumn, error) {
	var cols []hashColumn
	var missing []string
	for col, r := range h.rules {
		i, ok := h.index[col]
		if !ok {
			if r.explicit {
				missing = append(missing, col)
			}
			continue
		}
		if r.dateCol != "" {
			if _, ok := h.index[r.dateCol]; !ok {
				if r.explicit {
					missing = append(missing, r.dateCol)
				}
				r.dateCol = ""
			}
		}
		if r.kind != hkClear {
			cols = append(cols, hashColumn{i: i, hashRule: r})
		}
	}
	switch {
	case len(missing) > 0:
		slices.Sort(missing)
		return nil, fmt.Errorf("%s: -columns names columns the header does not have: %s", file, strings.Join(missing, ", "))
	case len(cols) == 0:
		return nil, fmt.Errorf("%s: the header has none of the columns to hash; name them with -columns COL=KIND", file)
	}
	// In header order, so that the first error of a row does not depend on map order.
	slices.SortFunc(cols, func(a, b hashColumn) int { return a.i - b.i })
	return cols, nil
}

// apply rewrites one column of a row. A value that fails normalisation is an error, or with
// -skip-invalid is emptied (and the error returned for counting).
func (h *hasher) apply(rec []string, c hashColumn) *hashValueError {
	get := func(col string) string {
		if i, ok := h.index[col]; ok {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	v := strings.TrimSpace(rec[c.i])
	switch {
	case c.kind == hkDrop:
		rec[c.i] = ""
		return nil
	case c.kind == hkName:
		return h.name(rec, c)
	case v == "":
		return nil
	}
	fail := func(reason string) *hashValueError {
		rec[c.i] = ""
		return &hashValueError{col: h.header[c.i], reason: reason}
	}
	if k, ok := graph.KeyedValue(v); ok {
		rec[c.i] = k // hashed already: a file hashed twice is hashed once
		return nil
	}
	var norm string
	var err error
	switch c.kind {
	case hkEmail:
		norm, err = graph.NormalizeEmail(v)
	case hkPhone:
		region := h.region
		for _, col := range c.regionCols {
			if r := get(col); r != "" {
				region = r
				break
			}
		}
		norm, err = graph.NormalizePhone(v, region)
	case hkIBAN:
		norm, err = graph.NormalizeIBAN(v)
	case hkHandle:
		norm, err = graph.NormalizeHandle(v)
	case hkAccount:
		if reason := hashCheckKey(v); reason != "" {
			return fail(reason)
		}
		norm = v
	case hkDevice:
		kind := c.typeFixed
		if kind == "" {
			kind = strings.ToLower(get(c.typeCol))
		}
		switch {
		case kind == "" && c.typeNeeded:
			return fail(fmt.Sprintf("given without %s; want %s", c.typeCol, strings.Join(graph.DeviceKinds, ", ")))
		case kind == "":
			kind = "device"
		case !graph.ValidDeviceKind(kind):
			return fail(fmt.Sprintf("%s is not a device type; want %s", c.typeCol, strings.Join(graph.DeviceKinds, ", ")))
		}
		norm, err = graph.NormalizeDevice(kind, v)
	}
	if err != nil {
		return fail(graph.ErrorMessage(err))
	}
	rec[c.i] = h.keyer.Identifier(hashIDKinds[c.kind], norm)
	h.keyed[c.kind]++
	return nil
}

// name replaces a name (and its birth date) by their CLK and empties the birth date.
func (h *hasher) name(rec []string, c hashColumn) *hashValueError {
	name := strings.TrimSpace(rec[c.i])
	di, hasDate := h.index[c.dateCol]
	hasDate = hasDate && c.dateCol != ""
	var date string
	if hasDate {
		date = strings.TrimSpace(rec[di])
		rec[di] = "" // in the CLK, or lost with -skip-invalid; never in clear
	}
	fail := func(col int, reason string) *hashValueError {
		rec[col] = ""
		return &hashValueError{col: h.header[col], reason: reason}
	}
	if strings.HasPrefix(name, resolve.CLKPrefix) {
		// Encoded already (a file hashed twice); a birth date cannot be added to it.
		if _, err := resolve.DecodeCLK(name); err != nil {
			return fail(c.i, err.Error())
		}
		if date != "" {
			return fail(di, "given beside a name encoded already; encode them together")
		}
		return nil
	}
	switch {
	case len(name) > hashMaxText:
		return fail(c.i, fmt.Sprintf("longer than %d bytes", hashMaxText))
	case !utf8.ValidString(name):
		return fail(c.i, "not valid UTF-8")
	}
	var verr *hashValueError
	if date != "" {
		d, err := graph.NormalizeDate(date, h.now)
		if err != nil {
			// With -skip-invalid the name is still encoded, without the date.
			verr = fail(di, graph.ErrorMessage(err))
		}
		date = d
	}
	// "" when the name folds to nothing (punctuation only) and there is no date.
	rec[c.i] = resolve.EncodeCLKString(h.keyer.CLK(name, date))
	if rec[c.i] != "" {
		h.names++
	}
	return verr
}

// hashCheckKey checks an account number as the transactions loader does: bounded, printable,
// on one line. It returns the reason it fails, or "".
func hashCheckKey(s string) string {
	switch {
	case len(s) > hashMaxKey:
		return fmt.Sprintf("longer than %d bytes", hashMaxKey)
	case !utf8.ValidString(s):
		return "not valid UTF-8"
	case strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsGraphic(r) }):
		return "contains a control or invisible character"
	}
	return ""
}

// summary reports what was done, on stderr (standard output may be the file).
func (h *hasher) summary(w io.Writer, file string) {
	var parts []string
	for _, k := range []string{hkEmail, hkPhone, hkIBAN, hkAccount, hkHandle, hkDevice} {
		if n := h.keyed[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, k))
		}
	}
	if h.names > 0 {
		parts = append(parts, fmt.Sprintf("%d names as CLKs", h.names))
	}
	if len(parts) == 0 {
		parts = append(parts, "no values")
	}
	fmt.Fprintf(w, "%s: %d rows, keyed %s\n", file, h.rows, strings.Join(parts, ", "))
	for _, list := range []struct {
		t    tally
		what string
	}{{h.invalid, "invalid values emptied"}, {h.dropped, "unreadable rows left out"}} {
		if list.t.n == 0 {
			continue
		}
		fmt.Fprintf(w, "%s: %d %s\n", file, list.t.n, list.what)
		for _, s := range list.t.first {
			fmt.Fprintf(w, "  %s\n", s)
		}
		if list.t.n > len(list.t.first) {
			fmt.Fprintf(w, "  ... and %d more\n", list.t.n-len(list.t.first))
		}
	}
}
