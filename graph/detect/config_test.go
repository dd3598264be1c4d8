package detect

import (
	"strings"
	"testing"
	"time"
)

func TestDefaultConfig(t *testing.T) {
	c := Default()
	if !c.HRJ("PH") || c.HRJ("AU") {
		t.Errorf("HRJ: PH %v AU %v", c.HRJ("PH"), c.HRJ("AU"))
	}
	if !c.SextortionJurisdiction("NG") {
		t.Error("NG is not a sextortion jurisdiction")
	}
	if c.Zone("PH") == nil {
		t.Error("no time zone for PH")
	}
	if e, ok := c.EUR(10000, "EUR"); !ok || e != 100 {
		t.Errorf("EUR(10000 EUR) = %v, %v", e, ok)
	}
	if e, ok := c.EUR(1000, "JPY"); !ok || e < 5 || e > 7 {
		t.Errorf("EUR(1000 JPY) = %v, %v", e, ok)
	}
	if _, ok := c.EUR(100, "XAU"); ok {
		t.Error("a currency without a rate converts")
	}
	for _, r := range c.RuleList() {
		if r.Weight <= 0 || r.Weight > 1 {
			t.Errorf("rule %s: weight %v", r.Name, r.Weight)
		}
		if r.Description == "" || r.Indicator == "" {
			t.Errorf("rule %s: no description or indicator", r.Name)
		}
	}
}

func TestParseConfigErrors(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown key", "scoring:\n  alertTreshold: 0.5\n", "field alertTreshold not found"},
		{"bad country", "highRiskJurisdictions: [PHL]\n", "highRiskJurisdictions[0]"},
		{"bad zone", "timeZones: {PH: Mars/Olympus}\n", "timeZones.PH"},
		{"bad rate", "eurRates: {USD: -1}\n", "eurRates.USD"},
		{"bad threshold", "scoring: {alertThreshold: 1.5}\n", "scoring.alertThreshold"},
		{"bad min rules", "scoring: {minRules: 0}\n", "scoring.minRules"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig(strings.NewReader(tc.yaml), "my.yaml")
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "my.yaml") {
				t.Fatalf("error %v, want one naming my.yaml and %q", err, tc.want)
			}
		})
	}
	c, err := ParseConfig(strings.NewReader("scoring: {alertThreshold: 0.8}\n"), "my.yaml")
	if err != nil || c.Scoring.AlertThreshold != 0.8 || c.Scoring.MinRules != Default().Scoring.MinRules {
		t.Fatalf("override: %v %+v", err, c)
	}
}

func TestParseDuration(t *testing.T) {
	for s, want := range map[string]time.Duration{"48h": 48 * time.Hour, "30d": 720 * time.Hour, "90m": 90 * time.Minute} {
		if got, err := parseDuration(s); err != nil || got != want {
			t.Errorf("%s: %v %v", s, got, err)
		}
	}
	for _, s := range []string{"", "3x", "-1h", "1.5d", "d"} {
		if _, err := parseDuration(s); err == nil {
			t.Errorf("%q parsed", s)
		}
	}
}
