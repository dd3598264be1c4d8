package server

import (
	"context"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/server/generated"
)

func (r *queryResolver) System(ctx context.Context) (graph.SystemInfo, error) {
	return r.status.Info(ctx)
}

// Query returns generated.QueryResolver implementation.
func (r *Resolver) Query() generated.QueryResolver { return &queryResolver{r} }

type queryResolver struct{ *Resolver }
