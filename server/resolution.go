package server

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/resolve"
)

// resolveTimeout bounds one background resolution run.
const resolveTimeout = 30 * time.Minute

// resolveQueue resolves what partners ingest, in the background and one run at a time: each
// ingest that wrote something asks for a run; asks that come while a run is going fold into one
// more run after it. Runs are incremental, so each compares only what changed since the last.
type resolveQueue struct {
	store *graph.Store
	cfg   resolve.Config
	log   *slog.Logger

	kick   chan struct{}
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
	mu     sync.Mutex
	last   graph.ResolveReport
	lastOK bool
}

func newResolveQueue(store *graph.Store, cfg resolve.Config, log *slog.Logger) *resolveQueue {
	q := &resolveQueue{store: store, cfg: cfg, log: log, kick: make(chan struct{}, 1),
		stop: make(chan struct{}), done: make(chan struct{})}
	go q.loop()
	return q
}

// ask requests a run soon; it never blocks.
func (q *resolveQueue) ask() {
	if q == nil {
		return
	}
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
		rep, err := q.store.Resolve(ctx, graph.ResolveOptions{Config: q.cfg, By: "ingest"})
		cancel()
		if err != nil {
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
