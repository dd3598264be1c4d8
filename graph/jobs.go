package graph

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sort"
	"sync"
	"time"
)

// Long analyses (whole-graph communities or centrality) run as jobs: the request starts one and
// returns its id at once; the client polls its progress and reads the result when it is done.
// Jobs live in the process: a restart forgets them (stored community runs stay on the graph).

// JobID identifies a job.
type JobID string

// JobState is where a job is in its life.
type JobState string

// Job states.
const (
	JobRunning   JobState = "RUNNING"
	JobSucceeded JobState = "SUCCEEDED"
	JobFailed    JobState = "FAILED"
	JobCancelled JobState = "CANCELLED"
)

// JobStatus is what is known of a job.
type JobStatus struct {
	ID         JobID
	Kind       string // what the job does, e.g. "communities"
	Scope      Scope  // the reader who started it; only the same partner (or an admin) may see it
	State      JobState
	Progress   float64 // 0..1
	StartedAt  time.Time
	FinishedAt time.Time // zero while running
	// Error is the user-safe message of a failed job (ErrorMessage); ErrorCode its code.
	Error     string
	ErrorCode string
	Result    any // what the job's function returned, once SUCCEEDED
}

// Job limits.
const (
	// DefaultJobRetention is how many finished jobs are kept, newest first.
	DefaultJobRetention = 100
	// DefaultMaxRunningJobs is how many jobs may run at once: analyses are CPU- and
	// memory-heavy in Neo4j.
	DefaultMaxRunningJobs = 4
)

// Jobs runs functions in the background and keeps their status. It is safe for concurrent use.
// Close stops every job.
type Jobs struct {
	log        *slog.Logger
	retention  int
	maxRunning int

	base   context.Context
	stop   context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	closed bool
	jobs   map[JobID]*job
}

type job struct {
	status JobStatus
	cancel context.CancelFunc
	asked  bool // Cancel was called
}

// NewJobs returns an empty registry that logs job failures to log (nil: discard).
func NewJobs(log *slog.Logger) *Jobs {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	base, stop := context.WithCancel(context.Background())
	return &Jobs{log: log, retention: DefaultJobRetention, maxRunning: DefaultMaxRunningJobs,
		base: base, stop: stop, jobs: map[JobID]*job{}}
}

// Start runs fn in the background as a job of kind for scope and returns its id. fn gets a
// context that ends when the job is cancelled or Jobs closes (not when ctx, usually a request's,
// ends; ctx only lends its values), and a function to report progress (0..1). Start returns
// EUNAVAILABLE when Jobs is closed or too many jobs are running.
func (j *Jobs) Start(ctx context.Context, kind string, scope Scope, fn func(ctx context.Context, progress func(float64)) (any, error)) (JobID, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", &Error{Code: EINTERNAL, Err: fmt.Errorf("job id: %w", err)}
	}
	id := JobID("job-" + hex.EncodeToString(b[:]))

	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return "", Errorf(EUNAVAILABLE, "the server is shutting down")
	}
	running := 0
	for _, x := range j.jobs {
		if x.status.State == JobRunning {
			running++
		}
	}
	if running >= j.maxRunning {
		return "", Errorf(EUNAVAILABLE, "%d analyses are running already; retry when one has finished", running)
	}
	jctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	unlink := context.AfterFunc(j.base, cancel)
	x := &job{cancel: cancel, status: JobStatus{ID: id, Kind: kind, Scope: scope, State: JobRunning, StartedAt: time.Now().UTC()}}
	j.jobs[id] = x
	j.wg.Add(1)
	go func() {
		defer j.wg.Done()
		defer unlink()
		defer cancel()
		result, err := j.call(jctx, id, fn)
		j.finish(id, result, err)
	}()
	return id, nil
}

// call runs fn, turning a panic into an error.
func (j *Jobs) call(ctx context.Context, id JobID, fn func(context.Context, func(float64)) (any, error)) (result any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &Error{Code: EINTERNAL, Err: fmt.Errorf("job %s panicked: %v\n%s", id, r, debug.Stack())}
		}
	}()
	return fn(ctx, func(p float64) { j.progress(id, p) })
}

// progress records p (clamped to 0..1, never going back) for a running job.
func (j *Jobs) progress(id JobID, p float64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if x := j.jobs[id]; x != nil && x.status.State == JobRunning && p > x.status.Progress {
		x.status.Progress = min(p, 1)
	}
}

// finish records the outcome of a job and forgets the oldest finished jobs beyond retention.
func (j *Jobs) finish(id JobID, result any, err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	x := j.jobs[id]
	x.status.FinishedAt = time.Now().UTC()
	switch {
	case err == nil:
		x.status.State, x.status.Progress, x.status.Result = JobSucceeded, 1, result
	case x.asked || (j.closed && errors.Is(err, context.Canceled)):
		x.status.State, x.status.Error, x.status.ErrorCode = JobCancelled, "cancelled", ""
	default:
		x.status.State, x.status.Error, x.status.ErrorCode = JobFailed, ErrorMessage(err), ErrorCode(err)
		if ErrorCode(err) == EINTERNAL {
			j.log.Error("job failed", "job_id", string(id), "job_kind", x.status.Kind, "error", err)
		} else {
			j.log.Info("job failed", "job_id", string(id), "job_kind", x.status.Kind, "code", ErrorCode(err))
		}
	}
	var done []*job
	for _, y := range j.jobs {
		if y.status.State != JobRunning {
			done = append(done, y)
		}
	}
	if len(done) <= j.retention {
		return
	}
	sort.Slice(done, func(a, b int) bool { return done[a].status.FinishedAt.After(done[b].status.FinishedAt) })
	for _, y := range done[j.retention:] {
		delete(j.jobs, y.status.ID)
	}
}

// jobVisible reports whether the reader may see a job: admins see every job, a partner its own.
func jobVisible(reader, owner Scope) bool { return reader.All() || reader.Partner == owner.Partner }

// Get returns the status of a job. It returns ENOTFOUND for a job that does not exist (or was
// forgotten, or that the reader may not see).
func (j *Jobs) Get(scope Scope, id JobID) (JobStatus, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	x := j.jobs[id]
	if x == nil || !jobVisible(scope, x.status.Scope) {
		return JobStatus{}, Errorf(ENOTFOUND, "no job %s", id)
	}
	return x.status, nil
}

// Cancel asks a running job to stop; it ends CANCELLED once its function returns. Cancelling
// a finished job changes nothing. It returns ENOTFOUND as Get does.
func (j *Jobs) Cancel(scope Scope, id JobID) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	x := j.jobs[id]
	if x == nil || !jobVisible(scope, x.status.Scope) {
		return Errorf(ENOTFOUND, "no job %s", id)
	}
	if x.status.State == JobRunning {
		x.asked = true
		x.cancel()
	}
	return nil
}

// List returns the jobs the reader may see, the newest first.
func (j *Jobs) List(scope Scope) []JobStatus {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]JobStatus, 0, len(j.jobs))
	for _, x := range j.jobs {
		if jobVisible(scope, x.status.Scope) {
			out = append(out, x.status)
		}
	}
	sort.Slice(out, func(a, b int) bool {
		if !out[a].StartedAt.Equal(out[b].StartedAt) {
			return out[a].StartedAt.After(out[b].StartedAt)
		}
		return out[a].ID > out[b].ID
	})
	return out
}

// Close cancels every running job, refuses new ones, and waits until the jobs have stopped or
// ctx ends (then it returns ctx's error).
func (j *Jobs) Close(ctx context.Context) error {
	j.mu.Lock()
	j.closed = true
	j.mu.Unlock()
	j.stop()
	done := make(chan struct{})
	go func() { j.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
