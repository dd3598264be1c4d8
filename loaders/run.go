package loaders

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crosslink/crosslink/graph"
)

// Options configure one load.
type Options struct {
	// Partner and Dataset name the source of every fact (provenance); the file name is added
	// per input. Dataset defaults to the format's name.
	Partner string
	Dataset string
	// BatchSize is the number of records written per transaction (default 10000: larger batches measured faster, see docs/benchmarks.md).
	BatchSize int
	// DryRun parses and validates everything and writes nothing.
	DryRun bool
	// Rejects receives one CSV row per rejected record (file, line, field, reason, raw); nil
	// keeps only the count and the first examples in the Summary.
	Rejects io.Writer
	// Progress, when not nil, receives progress reports while the load runs.
	Progress *Progress
	// OnReject, when not nil, is called with every reject (the ingest API returns them all).
	OnReject func(Reject)
	// OnBatch, when not nil, is called with every batch once it is written (detection after a
	// load reads the nodes a load touched from them). It runs on the writer goroutine.
	OnBatch func(graph.Batch)
}

// Summary says what one load did.
type Summary struct {
	File     string
	Format   string
	Read     int // records read
	Loaded   int // records turned into graph facts
	Rejected int // records refused, each with a Reject
	graph.WriteStats
	Batches  int
	Duration time.Duration
	DryRun   bool
	// Examples are the first rejects, for the summary printed at the end.
	Examples []Reject
}

// Rate is the records read per second.
func (s Summary) Rate() float64 {
	if s.Duration <= 0 {
		return 0
	}
	return float64(s.Read) / s.Duration.Seconds()
}

const maxExamples = 10

// Load parses r with format f and writes what it yields to w (nil with opts.DryRun). size is
// the input's length in bytes for progress, or 0 when unknown. The error is about the input as
// a whole or the database; bad records are counted in the Summary and written to opts.Rejects.
func Load(ctx context.Context, w Writer, f Format, file string, r io.Reader, size int64, opts Options) (Summary, error) {
	start := time.Now()
	if opts.BatchSize <= 0 {
		opts.BatchSize = 10000
	}
	if opts.Dataset == "" {
		opts.Dataset = f.Name()
	}
	src := graph.Source{Partner: opts.Partner, Dataset: opts.Dataset, File: baseName(file)}
	if err := src.Validate(); err != nil {
		return Summary{}, err
	}
	if w == nil && !opts.DryRun {
		return Summary{}, graph.Errorf(graph.EINVALID, "load %s: no database to write to", file)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	counter := &countingReader{r: r}
	e := &Emitter{file: file, batchSize: opts.BatchSize, ctx: ctx, src: src, onReject: opts.OnReject}
	if opts.Rejects != nil {
		e.rejects = csv.NewWriter(opts.Rejects)
	}

	// One writer goroutine: parsing the next batch overlaps with writing this one.
	batches := make(chan graph.Batch, 1)
	var stats graph.WriteStats
	var nbatches int
	var werr error
	write := func(b graph.Batch) (graph.WriteStats, error) { return w.WriteBatch(ctx, src, b) }
	var stream *graph.Stream
	if sw, ok := w.(streamer); ok && !opts.DryRun {
		stream = sw.Stream(src)
		write = func(b graph.Batch) (graph.WriteStats, error) { return stream.WriteBatch(ctx, b) }
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for b := range batches {
			if werr != nil || opts.DryRun {
				continue
			}
			st, err := write(b)
			if err != nil {
				werr = fmt.Errorf("load %s: write batch %d: %w", file, nbatches+1, err)
				cancel(werr)
				continue
			}
			stats.Add(st)
			nbatches++
			if opts.OnBatch != nil {
				opts.OnBatch(b)
			}
		}
	}()
	e.send = func(b graph.Batch) error {
		select {
		case batches <- b:
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	if opts.Progress != nil {
		stop := opts.Progress.start(file, size, func() (int64, int, int) {
			return counter.n.Load(), int(e.read.Load()), int(e.rejected.Load())
		})
		defer stop()
	}

	perr := f.Parse(ctx, file, counter, e)
	// Records completed before a file-level error (e.g. XML truncated after three good
	// reports) are good records: write them too.
	if ferr := e.flush(); perr == nil {
		perr = ferr
	}
	close(batches)
	wg.Wait()
	if stream != nil && werr == nil && ctx.Err() == nil {
		// The time spans of facts the stream did not write again.
		st, err := stream.Close(ctx)
		stats.Add(st)
		if err != nil {
			werr = fmt.Errorf("load %s: %w", file, err)
		}
	}
	if e.rejects != nil {
		e.rejects.Flush()
		if err := e.rejects.Error(); err != nil && perr == nil {
			perr = fmt.Errorf("write rejects: %w", err)
		}
	}
	sum := Summary{
		File: file, Format: f.Name(), Read: int(e.read.Load()), Loaded: e.loaded,
		Rejected: int(e.rejected.Load()), WriteStats: stats, Batches: nbatches,
		Duration: time.Since(start), DryRun: opts.DryRun, Examples: e.examples,
	}
	switch {
	case werr != nil:
		return sum, werr
	case perr != nil && errors.Is(perr, context.Canceled) && context.Cause(ctx) != nil && context.Cause(ctx) != context.Canceled:
		return sum, context.Cause(ctx)
	case perr != nil:
		var ge *graph.Error
		if errors.As(perr, &ge) {
			return sum, perr
		}
		return sum, &graph.Error{Code: graph.EINVALID, Message: fmt.Sprintf("%s: %v", file, perr), Err: perr}
	}
	return sum, nil
}

// Emitter receives what a Format parses: good records with their graph facts, and rejects.
// It batches the facts and hands full batches to the writer.
type Emitter struct {
	ctx       context.Context
	src       graph.Source
	file      string
	batchSize int
	batch     graph.Batch
	pending   int // records in batch
	send      func(graph.Batch) error
	rejects   *csv.Writer
	onReject  func(Reject)
	examples  []Reject
	read      atomic.Int64
	rejected  atomic.Int64
	loaded    int
}

// Add records one good record and the nodes and edges it yields. It returns an error when the
// load must stop (the database failed, or the context ended); the format returns it.
func (e *Emitter) Add(nodes []graph.Node, edges []graph.Edge) error {
	e.read.Add(1)
	e.loaded++
	e.batch.Nodes = append(e.batch.Nodes, nodes...)
	e.batch.Edges = append(e.batch.Edges, edges...)
	e.pending++
	if e.pending >= e.batchSize {
		return e.flush()
	}
	return e.ctx.Err()
}

// Reject records one bad record. File defaults to the input's name.
func (e *Emitter) Reject(r Reject) {
	e.read.Add(1)
	e.rejected.Add(1)
	if r.File == "" {
		r.File = e.file
	}
	if len(e.examples) < maxExamples {
		e.examples = append(e.examples, r)
	}
	if e.rejects != nil {
		_ = e.rejects.Write([]string{r.File, strconv.Itoa(r.Line), r.Field, r.Reason, r.Raw})
	}
	if e.onReject != nil {
		e.onReject(r)
	}
}

// RejectErr records a bad record from an error: a *FieldError names the field.
func (e *Emitter) RejectErr(line int, raw string, err error) {
	r := Reject{Line: line, Raw: raw, Reason: graph.ErrorMessage(err)}
	var fe *FieldError
	if errors.As(err, &fe) {
		r.Field, r.Reason = fe.Field, fe.Reason
	}
	e.Reject(r)
}

// Source is the provenance of the load: formats scope partner-local ids (accounts, customers,
// transactions) by its Partner.
func (e *Emitter) Source() graph.Source { return e.src }

// Context is the load's context; formats check it in long loops.
func (e *Emitter) Context() context.Context { return e.ctx }

func (e *Emitter) flush() error {
	if e.pending == 0 {
		return e.ctx.Err()
	}
	b := e.batch
	e.batch = graph.Batch{Nodes: make([]graph.Node, 0, cap(b.Nodes)), Edges: make([]graph.Edge, 0, cap(b.Edges))}
	e.pending = 0
	return e.send(b)
}

type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func baseName(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' || path[i] == '\\' {
			return path[i+1:]
		}
	}
	return path
}
