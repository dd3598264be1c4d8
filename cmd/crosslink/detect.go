package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"text/tabwriter"
	"time"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/detect"
)

// detectFlags configure detection wherever it runs: `crosslink detect`, after `crosslink load`,
// and in `crosslink serve` after partner ingests.
type detectFlags struct {
	configFile string
}

func (d *detectFlags) bind(fs *flag.FlagSet, e *env) {
	fs.StringVar(&d.configFile, "detect-config", e.str("CROSSLINK_DETECT_CONFIG", ""), "YAML file of detection settings over the defaults (thresholds, windows, weights, jurisdictions, lexicons; 'crosslink detect -print-config' prints them all) (CROSSLINK_DETECT_CONFIG)")
}

// config reads the detection settings: the defaults, with the file's keys over them.
func (d *detectFlags) config() (*detect.Config, error) {
	if d.configFile == "" {
		return detect.Default(), nil
	}
	return detect.LoadConfig(d.configFile)
}

func runDetect(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	e := &env{getenv: getenv}
	var c common
	var df detectFlags
	var printConfig bool
	var timeout time.Duration
	fs := flag.NewFlagSet("detect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: crosslink detect [flags]\n\n"+
			"Runs every detection rule over the whole graph and stores the signals, risk scores and\n"+
			"alerts (loads and ingests run it themselves over what they touched).\n\nflags:\n")
		fs.PrintDefaults()
	}
	c.bind(fs, e)
	df.bind(fs, e)
	fs.BoolVar(&printConfig, "print-config", false, "print the default configuration files (every rule with its parameters, documented) and exit")
	fs.DurationVar(&timeout, "timeout", e.dur("CROSSLINK_DETECT_TIMEOUT", time.Hour), "give up after this long (CROSSLINK_DETECT_TIMEOUT)")
	if err := parse(fs, args, e); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("detect: unexpected argument %q", fs.Arg(0))
	}
	if printConfig {
		_, err := stdout.Write(detect.DefaultYAML())
		return err
	}
	cfg, err := df.config()
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
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	rep, err := store.Detect(ctx, graph.DetectOptions{Config: cfg, By: "crosslink detect",
		Progress: func(stage string) { log.Debug("detection", "stage", stage) }})
	if err != nil {
		return err
	}
	logDetection(log, rep)
	printDetection(stdout, rep)
	return nil
}

// printDetection prints one run's figures and its rules as tables.
func printDetection(w io.Writer, rep graph.DetectReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "detection\ttransactions\taccounts\tsignals\tsubjects\talerting\talerts new\talerts updated\tcreated\tupdated\tdeleted\tread s\tfacts s\trules s\twrite s\ttotal s\t")
	fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t\n", rep.Mode, rep.Transactions, rep.Accounts,
		rep.Signals, rep.Subjects, rep.Alerts, rep.AlertStats.Created, rep.AlertStats.Updated, rep.Created, rep.Updated, rep.Deleted,
		rep.Read.Seconds(), rep.Facts.Seconds(), rep.Engine.Seconds(), rep.Write.Seconds(), rep.Total.Seconds())
	tw.Flush()
	if len(rep.Rules) == 0 {
		return
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "rule\tfamily\tsignals\tsubjects\tseconds")
	for _, r := range rep.Rules {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.2f\n", r.Rule, r.Family, r.Signals, r.Subjects, r.Duration.Seconds())
	}
	tw.Flush()
	for _, e := range rep.Errors {
		fmt.Fprintln(os.Stderr, "rule failed:", e)
	}
}

func logDetection(log *slog.Logger, rep graph.DetectReport) {
	log.Info("detected", "run", rep.RunID, "mode", rep.Mode, "transactions", rep.Transactions, "accounts", rep.Accounts,
		"signals", rep.Signals, "subjects", rep.Subjects, "alerts", rep.Alerts, "alerts_created", rep.AlertStats.Created,
		"alerts_updated", rep.AlertStats.Updated, "created", rep.Created, "updated", rep.Updated,
		"deleted", rep.Deleted, "read_ms", rep.Read.Milliseconds(), "facts_ms", rep.Facts.Milliseconds(),
		"engine_ms", rep.Engine.Milliseconds(), "write_ms", rep.Write.Milliseconds(), "duration_ms", rep.Total.Milliseconds())
	for _, e := range rep.Errors {
		log.Error("detection rule failed; the other rules' results are stored", "err", e)
	}
}
