package server

import (
	"context"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/detect"
	"github.com/crosslink/crosslink/graph/resolve"
)

// Resolver is the root of the GraphQL resolvers; it holds what they call into.
type Resolver struct {
	status  *Status
	store   *graph.Store
	keys    *keyCache
	jobs    *graph.Jobs
	resolve resolve.Config // entity resolution settings
	detect  *detect.Config // detection settings of startDetection (nil: the defaults)
	queue   *resolveQueue  // background resolution and detection after ingests (nil: none)
}

// startJob starts fn as a job of the caller and returns its status.
func (r *Resolver) startJob(ctx context.Context, kind string, fn func(ctx context.Context, progress func(float64)) (any, error)) (graph.JobStatus, error) {
	scope := scopeOf(ctx)
	id, err := r.jobs.Start(ctx, kind, scope, fn)
	if err != nil {
		return graph.JobStatus{}, err
	}
	return r.jobs.Get(scope, id)
}
