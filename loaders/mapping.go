package loaders

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Mapping reads a bank's own CSV layout as the canonical transactions columns (see
// docs/formats.md, "transactions"). Banks export what their core system has, in their own
// language, delimiter, date and number conventions; a mapping file says how to read it, so
// that no bank has to reshape its export before it can be loaded.
type Mapping struct {
	// Delimiter separates fields; 0 is ','.
	Delimiter rune
	// TransactionLayout is how the bank writes times and amounts.
	TransactionLayout
	// Columns maps a canonical column name to the file's column (both lower-case).
	Columns map[string]string
	// Constants gives a value to a canonical column for every row.
	Constants map[string]string
}

// mappingKeys are the keys a mapping file may have, in the order the docs list them.
var mappingKeys = []string{"delimiter", "timestamp_format", "timezone", "decimal_comma", "columns", "constants"}

// LoadMapping reads a mapping file. Errors name the file, the line and the key at fault.
func LoadMapping(path string) (*Mapping, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mapping: %w", err)
	}
	defer f.Close()
	m, err := ParseMapping(f)
	if err != nil {
		return nil, fmt.Errorf("mapping %s: %w", filepath.Base(path), err)
	}
	return m, nil
}

// ParseMapping reads a mapping from YAML. Unknown keys, unknown canonical column names, a
// column both mapped and given a constant, a zone the system does not know and a layout with
// no time in it are errors: a typo in a mapping would otherwise silently drop a column from
// every row of a bank's export.
func ParseMapping(r io.Reader) (*Mapping, error) {
	var doc yaml.Node
	if err := yaml.NewDecoder(r).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the mapping is empty")
		}
		return nil, fmt.Errorf("not valid YAML: %w", err)
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("the mapping must be a YAML mapping of keys (delimiter, columns, ...)")
	}
	m := &Mapping{Columns: map[string]string{}, Constants: map[string]string{}}
	root := doc.Content[0]
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		key := k.Value
		if seen[key] {
			return nil, fmt.Errorf("line %d: key %q given twice", k.Line, key)
		}
		seen[key] = true
		var err error
		switch key {
		case "delimiter":
			err = m.setDelimiter(v)
		case "timestamp_format":
			err = m.setTimestampFormat(v)
		case "timezone":
			err = m.setTimezone(v)
		case "decimal_comma":
			if v.Kind != yaml.ScalarNode || v.Decode(&m.DecimalComma) != nil {
				err = errors.New("must be true or false")
			}
		case "columns", "constants":
			dst := m.Columns
			if key == "constants" {
				dst = m.Constants
			}
			// Its errors name the line of the entry at fault, not of the section.
			if err := decodeCanonicalMap(key, v, dst); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("line %d: unknown key %q (keys: %s)", k.Line, key, strings.Join(mappingKeys, ", "))
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %s: %w", v.Line, key, err)
		}
	}
	var both []string
	for c := range m.Constants {
		if _, ok := m.Columns[c]; ok {
			both = append(both, c)
		}
	}
	if len(both) > 0 {
		sort.Strings(both)
		return nil, fmt.Errorf("%s both mapped in columns and given in constants; keep one", strings.Join(both, ", "))
	}
	return m, nil
}

func (m *Mapping) setDelimiter(v *yaml.Node) error {
	var s string
	if v.Kind != yaml.ScalarNode || v.Decode(&s) != nil {
		return errors.New("must be one character")
	}
	if s == "tab" || s == `\t` {
		s = "\t"
	}
	r, n := utf8.DecodeRuneInString(s)
	switch {
	case n == 0 || n != len(s):
		return errors.New("must be one character")
	case r == utf8.RuneError, r == '"', r == '\r', r == '\n':
		return fmt.Errorf("%q cannot separate fields", s)
	}
	m.Delimiter = r
	return nil
}

func (m *Mapping) setTimestampFormat(v *yaml.Node) error {
	var s string
	if v.Kind != yaml.ScalarNode || v.Decode(&s) != nil || strings.TrimSpace(s) == "" {
		return errors.New("must be a Go time layout such as \"02.01.2006 15:04\"")
	}
	// A layout is the reference time written the bank's way; one without any of its parts
	// would parse nothing but itself.
	ref := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	if ref.Format(s) == s {
		return errors.New("has no date or time in it; write the reference time 2006-01-02 15:04:05 the way the file does, e.g. \"02.01.2006 15:04\"")
	}
	if !strings.Contains(s, "2006") && !strings.Contains(s, "06") {
		return errors.New("has no year (2006 or 06)")
	}
	m.TimestampFormat = s
	return nil
}

func (m *Mapping) setTimezone(v *yaml.Node) error {
	var s string
	if v.Kind != yaml.ScalarNode || v.Decode(&s) != nil || strings.TrimSpace(s) == "" {
		return errors.New("must be an IANA zone name such as Europe/Berlin")
	}
	loc, err := time.LoadLocation(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("unknown zone %q; want an IANA name such as Europe/Berlin", s)
	}
	m.Location = loc
	return nil
}

// decodeCanonicalMap reads the section key, a YAML mapping whose keys are canonical column
// names, into dst, the names lower-cased and trimmed. For columns the values are the file's
// column names, which must not be empty; constants may be empty (a column the bank leaves
// blank).
func decodeCanonicalMap(key string, v *yaml.Node, dst map[string]string) error {
	if v.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: %s: must be a mapping of canonical column names to values", v.Line, key)
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		name := strings.ToLower(strings.TrimSpace(k.Value))
		if !isTxColumn(name) {
			return fmt.Errorf("line %d: %s: unknown canonical column %q (see docs/formats.md, transactions)", k.Line, key, k.Value)
		}
		if _, dup := dst[name]; dup {
			return fmt.Errorf("line %d: %s: %s given twice", k.Line, key, name)
		}
		if val.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: %s: %s must be a single value", val.Line, key, name)
		}
		s := strings.TrimSpace(val.Value)
		if key == "columns" {
			s = strings.ToLower(s)
			if s == "" {
				return fmt.Errorf("line %d: %s: %s has an empty column name", val.Line, key, name)
			}
		}
		dst[name] = s
	}
	return nil
}
