package server

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/detect"
	"github.com/crosslink/crosslink/graph/resolve"
)

// resolveTimeout bounds one background resolution run.
const resolveTimeout = 30 * time.Minute

// resolveQueue resolves what partners ingest and runs detection over it, in the background and
// one run at a time: each
// ingest that wrote something asks for a run; asks that come while a run is going fold into one
// more run after it. Runs are incremental, so each compares only what changed since the last.
type resolveQueue struct {
	store   *graph.Store
	cfg     resolve.Config
	resolve bool           // resolve after ingests
	detect  *detect.Config // nil: no detection after ingests
	log     *slog.Logger

	touched graph.DetectTouched // what ingests wrote since the last detection run

	kick   chan struct{}
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
	mu     sync.Mutex
	last   graph.ResolveReport
	lastOK bool
}

func newResolveQueue(store *graph.Store, cfg resolve.Config, resolveAfter bool, dcfg *detect.Config, log *slog.Logger) *resolveQueue {
	q := &resolveQueue{store: store, cfg: cfg, resolve: resolveAfter, detect: dcfg, log: log, kick: make(chan struct{}, 1),
		stop: make(chan struct{}), done: make(chan struct{})}
	go q.loop()
	return q
}

// ask requests a run soon, over what an ingest touched; it never blocks.
func (q *resolveQueue) ask(touched *graph.DetectTouched) {
	if q == nil {
		return
	}
	q.touched.Merge(touched)
	select {
	case q.kick <- struct{}{}:
	default: // a run is already asked for
	}
}

func (q *resolveQueue) loop() {
	defer close(q.done)
	for {
		select {
		case <-q.stop:
			return
		case <-q.kick:
		}
		ctx, cancel := context.WithTimeout(context.Background(), resolveTimeout)
		go func() {
			select {
			case <-q.stop:
				cancel()
			case <-ctx.Done():
			}
		}()
		if q.resolve {
			rep, err := q.store.Resolve(ctx, graph.ResolveOptions{Config: q.cfg, By: "ingest"})
			if err != nil {
				cancel()
				q.log.Error("resolution after ingest failed; the next ingest or 'crosslink resolve' retries", "err", err)
				continue
			}
			q.mu.Lock()
			q.last, q.lastOK = rep, true
			q.mu.Unlock()
			q.log.Info("resolved after ingest", "run", rep.RunID, "pending", rep.Stats.Pending, "linked", rep.Stats.Linked,
				"review", rep.Stats.Review, "memberships_changed", rep.MembershipsChanged,
				"duration_ms", rep.Finished.Sub(rep.Started).Milliseconds())
		}
		// Detection follows resolution: cross-sector rules join on resolved entities.
		q.detectTouched(ctx)
		cancel()
	}
}

// detectTouched runs incremental detection over what ingests touched since the last run.
func (q *resolveQueue) detectTouched(ctx context.Context) {
	ids, full := q.touched.Take()
	if q.detect == nil || (len(ids) == 0 && !full) {
		return
	}
	o := graph.DetectOptions{Config: q.detect, Touched: ids, By: "ingest"}
	if full {
		o.Touched = nil
	}
	rep, err := q.store.Detect(ctx, o)
	if err != nil {
		// What was touched is not lost: it waits for the next run.
		if full {
			q.touched.MarkFull()
		} else {
			q.touched.AddIDs(ids...)
		}
		q.log.Error("detection after ingest failed; the next ingest or 'crosslink detect' retries", "err", err)
		return
	}
	q.log.Info("detected after ingest", "run", rep.RunID, "mode", rep.Mode, "transactions", rep.Transactions,
		"signals", rep.Signals, "created", rep.Created, "updated", rep.Updated, "deleted", rep.Deleted,
		"alerts", rep.Alerts, "duration_ms", rep.Total.Milliseconds())
}

// close stops the queue, cancelling a run in progress (the next run picks its records up).
func (q *resolveQueue) close() {
	if q == nil {
		return
	}
	q.once.Do(func() { close(q.stop) })
	<-q.done
}

// callerName is who a judgement or run is recorded as: the caller's key name, or its id.
func callerName(ctx context.Context) string {
	k, ok := Caller(ctx)
	switch {
	case !ok:
		return "unknown"
	case k.Name != "":
		return k.Name + " (" + k.ID + ")"
	}
	return k.ID
}

// matchNode reads one end of a match through the request's loader.
func matchNode(ctx context.Context, id string) (graph.NodeView, error) {
	n, err := loadNode(ctx, id)
	if err != nil {
		return graph.NodeView{}, err
	}
	if n == nil {
		return graph.NodeView{}, graph.Errorf(graph.ENOTFOUND, "record %s no longer exists", id)
	}
	return *n, nil
}
