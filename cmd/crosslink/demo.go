package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/crosslink/crosslink/loaders/demo"
)

const demoUsage = `usage: crosslink demo generate --scale N --seed S --out DIR [--start 2026-01-01] [--days 180]

Writes a seeded synthetic world for demos and evaluations into DIR: transactions.csv,
platform_accounts.csv, platform_events.csv, cybertip.xml, ftm.ijson and ground_truth.json
(docs/demo.md). The same seed and scale give byte-identical files. Load them with:

  crosslink load transactions -partner demo-bank DIR/transactions.csv
  crosslink load platform     -partner demo-platforms DIR/platform_accounts.csv DIR/platform_events.csv
  crosslink load cybertip     -partner ncmec DIR/cybertip.xml
  crosslink load ftm          -partner registry DIR/ftm.ijson
`

func runDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, demoUsage)
		if len(args) == 0 {
			return errUsage
		}
		return errHelp
	}
	if args[0] != "generate" {
		fmt.Fprintf(stderr, "crosslink demo: unknown subcommand %q\n\n%s", args[0], demoUsage)
		return errUsage
	}
	e := &env{getenv: getenv}
	cfg := demo.Config{Start: demo.DefaultStart, Days: demo.DefaultDays}
	var out, start string
	fs := flag.NewFlagSet("demo generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&cfg.Scale, "scale", 1, "size of the world: 1 is about 2,000 customers and 50,000 transactions; it grows linearly")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "seed of the world; the same seed and scale give the same files")
	fs.StringVar(&out, "out", "", "folder to write the files into (created if missing)")
	fs.StringVar(&start, "start", demo.DefaultStart.Format(time.DateOnly), "first day of the period, YYYY-MM-DD (UTC)")
	fs.IntVar(&cfg.Days, "days", demo.DefaultDays, "number of days of activity")
	if err := parse(fs, args[1:], e); err != nil {
		return err
	}
	if out == "" || fs.NArg() > 0 {
		fmt.Fprint(stderr, demoUsage)
		return errUsage
	}
	s, err := time.Parse(time.DateOnly, start)
	if err != nil {
		return fmt.Errorf("demo generate: -start %q is not a date like 2026-01-01", start)
	}
	cfg.Start = s
	began := time.Now()
	res, err := demo.Generate(ctx, cfg, out)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "file\trows\tbytes\t")
	for _, f := range res.Files {
		fmt.Fprintf(tw, "%s\t%d\t%d\t\n", f.Name, f.Rows, f.Bytes)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "generated scale %d seed %d into %s in %.1fs\n", cfg.Scale, cfg.Seed, out, time.Since(began).Seconds())
	if end := cfg.Start.AddDate(0, 0, cfg.Days); end.After(time.Now().Add(24 * time.Hour)) {
		// The loaders refuse times more than a day ahead of their clock.
		fmt.Fprintf(stderr, "crosslink demo: warning: the period ends %s, in the future; the loaders will reject its later records\n", end.Format(time.DateOnly))
	}
	return nil
}
