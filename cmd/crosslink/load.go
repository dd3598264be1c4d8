package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"text/tabwriter"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/detect"
	"github.com/crosslink/crosslink/graph/resolve"
	"github.com/crosslink/crosslink/loaders"
)

// FlagFormat is a format with flags of its own (e.g. a column-mapping file).
type flagFormat interface {
	Flags(fs *flag.FlagSet)
}

func loadUsage(w io.Writer) {
	fmt.Fprintf(w, "usage: crosslink load <format> [flags] <file>...\n\nformats:\n")
	for _, name := range loaders.Formats() {
		f, _ := loaders.Lookup(name)
		fmt.Fprintf(w, "  %-13s %s\n", name, f.Describe())
	}
	fmt.Fprintf(w, "\nRun 'crosslink load <format> -h' for its flags.\n")
}

func runLoad(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		loadUsage(stderr)
		if len(args) == 0 {
			return errUsage
		}
		return errHelp
	}
	format, err := loaders.Lookup(args[0])
	if err != nil {
		return err
	}
	e := &env{getenv: getenv}
	var c common
	var opts loaders.Options
	var rejectsDir string
	var strict bool
	var memoryMiB int
	var resolveAfter bool
	var rf resolveFlags
	var detectAfter bool
	var df detectFlags
	fs := flag.NewFlagSet("load "+format.Name(), flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.bind(fs, e)
	rf.bind(fs, e)
	df.bind(fs, e)
	fs.BoolVar(&detectAfter, "detect", e.bool("CROSSLINK_LOAD_DETECT", true), "run detection over what the load touched, after resolution (CROSSLINK_LOAD_DETECT)")
	fs.BoolVar(&resolveAfter, "resolve", e.bool("CROSSLINK_LOAD_RESOLVE", true), "resolve the new and changed persons and organisations after the load (CROSSLINK_LOAD_RESOLVE)")
	fs.StringVar(&opts.Partner, "partner", e.str("CROSSLINK_PARTNER", "local"), "who provides the data: bank, platform or hotline name, recorded as provenance (CROSSLINK_PARTNER)")
	fs.StringVar(&opts.Dataset, "dataset", "", "dataset name recorded as provenance (default: the format's name)")
	fs.IntVar(&opts.BatchSize, "batch-size", e.int("CROSSLINK_BATCH_SIZE", 10000), "records per transaction (CROSSLINK_BATCH_SIZE)")
	fs.BoolVar(&opts.DryRun, "dry-run", false, "parse and validate only; write nothing")
	fs.StringVar(&rejectsDir, "rejects-dir", ".", "folder for <file>.rejects.csv, written when a file has rejected records")
	fs.BoolVar(&strict, "strict", false, "exit with status 3 when any record is rejected")
	fs.IntVar(&memoryMiB, "memory-mib", e.int("CROSSLINK_LOAD_MEMORY_MIB", 512), "soft bound on the load's heap in MiB; GOMEMLIMIT, when set, wins; 0 for none (CROSSLINK_LOAD_MEMORY_MIB)")
	if ff, ok := format.(flagFormat); ok {
		ff.Flags(fs)
	}
	files, err := parseInterspersed(fs, args[1:], e)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("load %s: no files given", format.Name())
	}
	if memoryMiB < 0 {
		return fmt.Errorf("load %s: -memory-mib %d: must be 0 (no bound) or a positive number of MiB", format.Name(), memoryMiB)
	}
	// The heap a load keeps alive is bounded (batches in flight and the Stream's memo); without
	// a limit the collector lets garbage grow with it. A soft limit keeps the process flat.
	if memoryMiB > 0 && getenv("GOMEMLIMIT") == "" {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(int64(memoryMiB) << 20))
	}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	var rcfg resolve.Config
	if resolveAfter && !opts.DryRun {
		if rcfg, err = rf.config(); err != nil {
			return err
		}
	}
	var dcfg *detect.Config
	var touched graph.DetectTouched
	if detectAfter && !opts.DryRun {
		if dcfg, err = df.config(); err != nil {
			return err
		}
		opts.OnBatch = touched.Add
	}
	var w loaders.Writer
	var store *graph.Store
	if !opts.DryRun {
		store, err = c.open(ctx)
		if err != nil {
			return err
		}
		defer store.Close(context.WithoutCancel(ctx))
		w = store
	}
	opts.Progress = &loaders.Progress{W: stderr, Terminal: isTerminal(stderr)}
	var sums []loaders.Summary
	rejected := 0
	for _, path := range files {
		sum, err := loadFile(ctx, w, format, path, rejectsDir, opts)
		sums = append(sums, sum)
		rejected += sum.Rejected
		if err != nil {
			printSummary(stdout, sums)
			return err
		}
		log.Info("loaded", "file", filepath.Base(path), "format", format.Name(), "read", sum.Read, "loaded", sum.Loaded,
			"rejected", sum.Rejected, "nodes_created", sum.NodesCreated, "relationships_created", sum.RelationshipsCreated,
			"duration_ms", sum.Duration.Milliseconds())
	}
	printSummary(stdout, sums)
	if store != nil && resolveAfter {
		// Incremental: only the records this load added or changed are compared.
		rep, err := store.Resolve(ctx, graph.ResolveOptions{Config: rcfg, By: "crosslink load " + format.Name()})
		if err != nil {
			return fmt.Errorf("load %s: the data is loaded, but resolving it failed (run 'crosslink resolve' again): %w", format.Name(), err)
		}
		logResolution(log, rep)
		printResolution(stdout, rep)
	}
	if ids, full := touched.IDs(); store != nil && detectAfter && (len(ids) > 0 || full) {
		o := graph.DetectOptions{Config: dcfg, Touched: ids, By: "crosslink load " + format.Name()}
		if full {
			o.Touched = nil
		}
		rep, err := store.Detect(ctx, o)
		if err != nil {
			return fmt.Errorf("load %s: the data is loaded, but detection failed (run 'crosslink detect' again): %w", format.Name(), err)
		}
		logDetection(log, rep)
		printDetection(stdout, rep)
	}
	if strict && rejected > 0 {
		return &exitError{code: 3, msg: fmt.Sprintf("%d records rejected", rejected)}
	}
	return nil
}

func loadFile(ctx context.Context, w loaders.Writer, format loaders.Format, path, rejectsDir string, opts loaders.Options) (loaders.Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return loaders.Summary{File: path, Format: format.Name()}, graph.Errorf(graph.EINVALID, "load %s: %v", path, errors.Unwrap(err))
	}
	defer f.Close()
	var size int64
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	rej := &lazyFile{path: filepath.Join(rejectsDir, filepath.Base(path)+".rejects.csv")}
	defer rej.Close()
	opts.Rejects = rej
	return loaders.Load(ctx, w, format, path, f, size, opts)
}

// lazyFile creates its file on the first write, so a clean load leaves no rejects file; it
// starts with a header line.
type lazyFile struct {
	path string
	f    *os.File
}

func (l *lazyFile) Write(p []byte) (int, error) {
	if l.f == nil {
		f, err := os.Create(l.path)
		if err != nil {
			return 0, err
		}
		l.f = f
		if _, err := f.WriteString("file,line,field,reason,raw\n"); err != nil {
			return 0, err
		}
	}
	return l.f.Write(p)
}

func (l *lazyFile) Close() error {
	if l.f == nil {
		return nil
	}
	return l.f.Close()
}

func printSummary(w io.Writer, sums []loaders.Summary) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "file\tread\tloaded\trejected\tnew nodes\tnew relationships\tseconds\trows/s\t")
	for _, s := range sums {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%.1f\t%.0f\t\n", filepath.Base(s.File), s.Read, s.Loaded, s.Rejected,
			s.NodesCreated, s.RelationshipsCreated, s.Duration.Seconds(), s.Rate())
	}
	tw.Flush()
	for _, s := range sums {
		if s.DryRun {
			fmt.Fprintf(w, "%s: dry run, nothing written\n", filepath.Base(s.File))
		}
		for _, r := range s.Examples {
			fmt.Fprintf(w, "rejected: %s\n", r)
		}
		if s.Rejected > len(s.Examples) {
			fmt.Fprintf(w, "... and %d more rejects in %s.rejects.csv\n", s.Rejected-len(s.Examples), filepath.Base(s.File))
		}
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// exitError ends the command with a given status.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// parseInterspersed parses flags that come before, between or after the file names, as users
// write them (`crosslink load transactions a.csv -partner bank-a`); "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string, e *env) ([]string, error) {
	var files []string
	for {
		if err := parse(fs, args, e); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return files, nil
		}
		if len(args) > 0 && len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(files, rest...), nil
		}
		files = append(files, rest[0])
		args = rest[1:]
	}
}
