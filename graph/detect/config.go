package detect

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// defaults holds the documented default configuration: default.yaml with the lists, tables and
// scoring, and one default_<family>.yaml per rule family, each read over the last.
// docs/detection.md explains each rule.
//
//go:embed default.yaml default_*.yaml
var defaults embed.FS

// defaultFiles are the default configuration's files in the order they are read.
var defaultFiles = []string{"default.yaml", "default_cse.yaml", "default_cross.yaml", "default_aml.yaml", "default_network.yaml"}

// DefaultYAML returns the default configuration's files, concatenated as one YAML stream.
func DefaultYAML() []byte {
	var b bytes.Buffer
	for i, f := range defaultFiles {
		data, err := defaults.ReadFile(f)
		if err != nil {
			panic("detect: " + err.Error())
		}
		if i > 0 {
			b.WriteString("---\n")
		}
		b.Write(data)
	}
	return b.Bytes()
}

// Config is a detection configuration: the lists and tables every rule shares, the scoring,
// and each rule's parameters. Load it with Default or LoadConfig; the zero value is not usable.
type Config struct {
	// HighRiskJurisdictions are the ISO 3166 alpha-2 codes of the jurisdictions the sources name
	// for live-streamed abuse (DOMAIN.md D: the Philippines first).
	HighRiskJurisdictions []string `yaml:"highRiskJurisdictions"`
	// SextortionJurisdictions are the corridors of financially motivated sextortion (West
	// Africa in the sources; FinCEN's own list was not available).
	SextortionJurisdictions []string `yaml:"sextortionJurisdictions"`
	// EURRates give the value in euros of one unit of each currency, for thresholds stated in
	// euros. A currency missing here makes amount thresholds skip the transaction.
	EURRates map[string]float64 `yaml:"eurRates"`
	// TimeZones give one IANA time zone per country, for the night-time rule. A country missing
	// here has no local time.
	TimeZones map[string]string `yaml:"timeZones"`
	// MaxEvidence caps the transactions kept in one signal's evidence (the count of those left
	// out is kept).
	MaxEvidence int `yaml:"maxEvidence"`
	// Scoring combines signals into risk scores and alerts.
	Scoring Scoring `yaml:"scoring"`
	// Rules holds each rule's parameters, by family.
	Rules Rules `yaml:"rules"`

	zones map[string]*time.Location
	hrj   map[string]bool
	sxj   map[string]bool
}

// Scoring says how signals make a score and when a score raises an alert.
type Scoring struct {
	// AlertThreshold is the risk score (0..1) at or above which an entity gets an alert.
	AlertThreshold float64 `yaml:"alertThreshold"`
	// MinRules is how many distinct rules must fire for an alert when all of them are weak.
	MinRules int `yaml:"minRules"`
}

// Rule holds what every rule has.
type Rule struct {
	// Enabled turns the rule off when false (default true).
	Enabled *bool `yaml:"enabled"`
	// Weight is the rule's largest contribution to a risk score (0..1), reached at strength 1.
	Weight float64 `yaml:"weight"`
	// Weak rules never raise an alert alone, however strongly they fire.
	Weak bool `yaml:"weak"`
}

// On reports whether the rule is enabled.
func (r Rule) On() bool { return r.Enabled == nil || *r.Enabled }

// Rules holds the parameters of every rule; each family declares its own in its own file.
type Rules struct {
	CSERules     `yaml:",inline"`
	CrossRules   `yaml:",inline"`
	AMLRules     `yaml:",inline"`
	NetworkRules `yaml:",inline"`
}

// Duration is a time.Duration written in YAML as "72h", "30m" or "30d" (days).
type Duration time.Duration

// UnmarshalYAML reads a Go duration, or a whole number of days with the suffix d.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	v, err := parseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration back in the form it is read.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// D is the duration as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(days, "%d", &n); err != nil || n < 0 || fmt.Sprint(n) != days {
			return 0, fmt.Errorf("%q is not a whole number of days (e.g. 30d)", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%q is not a duration (e.g. 48h, 30m or 30d)", s)
	}
	return v, nil
}

// Default returns the default configuration (default.yaml).
func Default() *Config {
	c := &Config{}
	for _, f := range defaultFiles {
		data, err := defaults.ReadFile(f)
		if err != nil {
			panic("detect: " + err.Error())
		}
		if err := decodeStrict(data, c); err != nil {
			panic("detect: " + f + ": " + err.Error())
		}
	}
	if err := c.Validate(); err != nil {
		panic("detect: default configuration: " + err.Error())
	}
	return c
}

// LoadConfig reads a configuration file. Keys it leaves out keep their default values; unknown
// keys are errors, so that a misspelt threshold is never silently ignored.
func LoadConfig(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("detection config: %w", err)
	}
	defer f.Close()
	return ParseConfig(f, path)
}

// ParseConfig reads a configuration over the defaults; name is used in errors.
func ParseConfig(r io.Reader, name string) (*Config, error) {
	c := Default()
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := decodeStrict(data, c); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return c, nil
}

// decodeStrict reads every YAML document in data over c; unknown keys are errors.
func decodeStrict(data []byte, c *Config) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	for {
		if err := dec.Decode(c); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// ConfigError lists what is wrong in a configuration, each with the path of its key.
type ConfigError []string

func (e ConfigError) Error() string { return "invalid detection config: " + strings.Join(e, "; ") }

// problems collects configuration errors by key path.
type problems struct{ list []string }

func (p *problems) add(key, format string, a ...any) {
	p.list = append(p.list, key+": "+fmt.Sprintf(format, a...))
}

// weight checks a rule's common fields.
func (p *problems) rule(key string, r Rule) {
	if r.Weight < 0 || r.Weight > 1 {
		p.add(key+".weight", "%v is outside 0..1", r.Weight)
	}
}

// positive checks that a number is greater than zero.
func (p *problems) positive(key string, v float64) {
	if v <= 0 {
		p.add(key, "must be greater than 0, is %v", v)
	}
}

// fraction checks a number in 0..1.
func (p *problems) fraction(key string, v float64) {
	if v < 0 || v > 1 {
		p.add(key, "%v is outside 0..1", v)
	}
}

// Validate checks the configuration and prepares its lookups.
func (c *Config) Validate() error {
	var p problems
	c.hrj, c.sxj = map[string]bool{}, map[string]bool{}
	for i, cc := range c.HighRiskJurisdictions {
		if !isCountry(cc) {
			p.add(fmt.Sprintf("highRiskJurisdictions[%d]", i), "%q is not an ISO 3166 alpha-2 code", cc)
		}
		c.hrj[cc] = true
	}
	for i, cc := range c.SextortionJurisdictions {
		if !isCountry(cc) {
			p.add(fmt.Sprintf("sextortionJurisdictions[%d]", i), "%q is not an ISO 3166 alpha-2 code", cc)
		}
		c.sxj[cc] = true
	}
	for cur, r := range c.EURRates {
		if len(cur) != 3 || strings.ToUpper(cur) != cur {
			p.add("eurRates."+cur, "not an ISO 4217 code")
		}
		if r <= 0 {
			p.add("eurRates."+cur, "rate must be greater than 0, is %v", r)
		}
	}
	c.zones = map[string]*time.Location{}
	for cc, z := range c.TimeZones {
		loc, err := time.LoadLocation(z)
		if err != nil {
			p.add("timeZones."+cc, "%q is not an IANA time zone", z)
			continue
		}
		c.zones[cc] = loc
	}
	if c.MaxEvidence <= 0 {
		p.add("maxEvidence", "must be greater than 0, is %d", c.MaxEvidence)
	}
	p.fraction("scoring.alertThreshold", c.Scoring.AlertThreshold)
	if c.Scoring.AlertThreshold == 0 {
		p.add("scoring.alertThreshold", "must be greater than 0")
	}
	if c.Scoring.MinRules < 1 {
		p.add("scoring.minRules", "must be at least 1, is %d", c.Scoring.MinRules)
	}
	c.Rules.CSERules.validate(&p)
	c.Rules.CrossRules.validate(&p)
	c.Rules.AMLRules.validate(&p)
	c.Rules.NetworkRules.validate(&p)
	if len(p.list) > 0 {
		slices.Sort(p.list)
		return ConfigError(p.list)
	}
	return nil
}

func isCountry(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

// HRJ reports whether a country is a high-risk jurisdiction.
func (c *Config) HRJ(country string) bool { return c.hrj[country] }

// SextortionJurisdiction reports whether a country is a sextortion corridor.
func (c *Config) SextortionJurisdiction(country string) bool { return c.sxj[country] }

// Zone returns a country's time zone, or nil when none is configured.
func (c *Config) Zone(country string) *time.Location { return c.zones[country] }

// EUR converts an amount in minor units to euros; ok is false when the currency has no rate.
func (c *Config) EUR(amount int64, currency string) (eur float64, ok bool) {
	r, ok := c.EURRates[currency]
	if !ok {
		return 0, false
	}
	return float64(amount) / pow10[max(0, min(CurrencyScale(currency), 4))] * r, true
}

var pow10 = [...]float64{1, 10, 100, 1000, 10000}

// CurrencyScale returns the minor-unit digits of a currency. graph sets it to its ISO 4217
// table; the default here knows the common exceptions to 2.
var CurrencyScale = func(currency string) int {
	switch currency {
	case "JPY", "KRW", "VND", "CLP", "ISK", "PYG", "UGX", "XAF", "XOF":
		return 0
	case "BHD", "KWD", "OMR", "JOD", "TND", "LYD", "IQD":
		return 3
	}
	return 2
}

// Hash is a short digest of the configuration, stored with each run so that a score can be
// traced to the parameters that made it.
func (c *Config) Hash() string {
	b, _ := yaml.Marshal(c)
	return shortHash(string(b))
}
