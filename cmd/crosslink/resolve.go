package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/resolve"
)

// resolveFlags configure entity resolution wherever it runs: `crosslink resolve`, after
// `crosslink load`, and in `crosslink serve` after partner ingests.
type resolveFlags struct {
	configFile string
	modelFile  string
	keyFile    string
	match      float64
	review     float64
	maxCluster int
	getenv     func(string) string
}

func (r *resolveFlags) bind(fs *flag.FlagSet, e *env) {
	r.getenv = e.getenv
	fs.StringVar(&r.configFile, "resolve-config", e.str("CROSSLINK_RESOLVE_CONFIG", ""), "JSON file of resolution settings (matchThreshold, reviewThreshold, maxCluster, maxBlock, maxShared, maxCandidates, model) (CROSSLINK_RESOLVE_CONFIG)")
	fs.StringVar(&r.modelFile, "resolve-model", e.str("CROSSLINK_RESOLVE_MODEL", ""), "JSON file of configured match weights (lambda and m/u per comparison level) instead of estimating them (CROSSLINK_RESOLVE_MODEL)")
	fs.StringVar(&r.keyFile, "consortium-key-file", e.str("CROSSLINK_CONSORTIUM_KEY_FILE", ""), "file holding the consortium key (hex or base64, at least 32 bytes) that links partners' keyed identifiers and Bloom-filter names to clear ones; or CROSSLINK_CONSORTIUM_KEY. Never stored (CROSSLINK_CONSORTIUM_KEY_FILE)")
	fs.Float64Var(&r.match, "match-threshold", 0, "probability at or above which two records link (default 0.95)")
	fs.Float64Var(&r.review, "review-threshold", 0, "probability at or above which a pair that does not link is kept for review (default 0.5)")
	fs.IntVar(&r.maxCluster, "max-cluster", 0, "largest resolved entity automatic links may build; larger ones go to review (default 25)")
}

// config assembles the resolution settings: the file, then the flags over it, then the key.
func (r *resolveFlags) config() (resolve.Config, error) {
	var cfg resolve.Config
	if r.configFile != "" {
		if err := readJSON(r.configFile, &cfg); err != nil {
			return cfg, err
		}
	}
	if r.modelFile != "" {
		var m resolve.Model
		if err := readJSON(r.modelFile, &m); err != nil {
			return cfg, err
		}
		cfg.Model = &m
	}
	if r.match != 0 {
		cfg.MatchThreshold = r.match
	}
	if r.review != 0 {
		cfg.ReviewThreshold = r.review
	}
	if r.maxCluster != 0 {
		cfg.MaxCluster = r.maxCluster
	}
	// The key is optional here: without it keyed identifiers link only to keyed ones.
	if r.keyFile != "" || strings.TrimSpace(r.getenv("CROSSLINK_CONSORTIUM_KEY")) != "" {
		key, err := consortiumKey(r.keyFile, r.getenv)
		if err != nil {
			return cfg, err
		}
		cfg.Key = key
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("resolution settings: %w", err)
	}
	return cfg, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func runResolve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	e := &env{getenv: getenv}
	var c common
	var rf resolveFlags
	var full bool
	var timeout time.Duration
	fs := flag.NewFlagSet("resolve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: crosslink resolve [-full] [flags]\n\n"+
			"Resolves persons and organisations across sources: new and changed records by default\n"+
			"(loads do this themselves), every record with -full, which also re-estimates the weights.\n\nflags:\n")
		fs.PrintDefaults()
	}
	c.bind(fs, e)
	rf.bind(fs, e)
	fs.BoolVar(&full, "full", false, "resolve every record again and re-estimate the weights")
	fs.DurationVar(&timeout, "timeout", e.dur("CROSSLINK_RESOLVE_TIMEOUT", time.Hour), "give up after this long (CROSSLINK_RESOLVE_TIMEOUT)")
	if err := parse(fs, args, e); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("resolve: unexpected argument %q", fs.Arg(0))
	}
	cfg, err := rf.config()
	if err != nil {
		return err
	}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	store, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close(context.WithoutCancel(ctx))
	store.SetResolveConfig(cfg)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	rep, err := store.Resolve(ctx, graph.ResolveOptions{Full: full, Config: cfg, By: "crosslink resolve"})
	if err != nil {
		return err
	}
	logResolution(log, rep)
	printResolution(stdout, rep)
	return nil
}

// printResolution prints one run's figures as a table.
func printResolution(w io.Writer, rep graph.ResolveReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	s := rep.Stats
	fmt.Fprintln(tw, "resolution\trecords\tresolved\tcompared\tlinked\treview\tentities\tin entities\tentities written\tremoved\tmoves\tpairs written\tseconds\t")
	fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%.1f\t\n", rep.Mode, s.Records, s.Pending, s.Candidates,
		s.Linked, s.Review, s.Clusters, s.Clustered, rep.EntitiesWritten, rep.EntitiesRemoved, rep.MembershipsChanged,
		rep.PairsWritten, rep.Finished.Sub(rep.Started).Seconds())
	tw.Flush()
}

func logResolution(log *slog.Logger, rep graph.ResolveReport) {
	s := rep.Stats
	log.Info("resolved", "run", rep.RunID, "mode", rep.Mode, "records", s.Records, "pending", s.Pending,
		"compared", s.Candidates, "linked", s.Linked, "review", s.Review, "entities", s.Clusters,
		"entities_written", rep.EntitiesWritten, "entities_removed", rep.EntitiesRemoved,
		"memberships_changed", rep.MembershipsChanged, "pairs_written", rep.PairsWritten,
		"duration_ms", rep.Finished.Sub(rep.Started).Milliseconds(), "read_ms", rep.Read.Milliseconds(),
		"engine_ms", rep.Engine.Milliseconds(), "write_ms", rep.Write.Milliseconds())
}
