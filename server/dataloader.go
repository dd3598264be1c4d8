package server

import (
	"context"
	"net/http"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/crosslink/crosslink/graph"
)

// Per-request dataloaders: fields that would otherwise read Neo4j once per parent (node(id)
// under many aliases, the end nodes of every edge of a response) collect their keys for a
// moment and read them in one UNWIND query (graph.Store.Nodes). A new set per request, so that
// nothing is cached across callers or scopes.

type loadersKey struct{}

type requestLoaders struct {
	nodes *dataloader.Loader[string, *graph.NodeView]
	risks *dataloader.Loader[string, *graph.RiskView]
}

// nodeBatchMax is the most ids one batch reads (Store.Nodes takes up to 1,000).
const nodeBatchMax = 1000

// withLoaders gives each authenticated request its loaders.
func (s *Server) withLoaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scope := scopeOf(r.Context())
		nodes := dataloader.NewBatchedLoader(func(ctx context.Context, ids []string) []*dataloader.Result[*graph.NodeView] {
			s.nodeBatches.Add(1)
			out := make([]*dataloader.Result[*graph.NodeView], len(ids))
			found, err := s.store.Nodes(ctx, scope, ids)
			for i, id := range ids {
				if err != nil {
					out[i] = &dataloader.Result[*graph.NodeView]{Error: err}
					continue
				}
				res := &dataloader.Result[*graph.NodeView]{}
				if n, ok := found[id]; ok {
					res.Data = &n
				}
				out[i] = res
			}
			return out
		}, dataloader.WithBatchCapacity[string, *graph.NodeView](nodeBatchMax),
			dataloader.WithWait[string, *graph.NodeView](time.Millisecond))
		risks := dataloader.NewBatchedLoader(func(ctx context.Context, ids []string) []*dataloader.Result[*graph.RiskView] {
			s.riskBatches.Add(1)
			out := make([]*dataloader.Result[*graph.RiskView], len(ids))
			found, err := s.store.RiskScores(ctx, ids)
			for i, id := range ids {
				res := &dataloader.Result[*graph.RiskView]{Error: err}
				if v, ok := found[id]; ok && err == nil {
					res.Data = &v
				}
				out[i] = res
			}
			return out
		}, dataloader.WithBatchCapacity[string, *graph.RiskView](nodeBatchMax),
			dataloader.WithWait[string, *graph.RiskView](time.Millisecond))
		ctx := context.WithValue(r.Context(), loadersKey{}, &requestLoaders{nodes: nodes, risks: risks})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// loadNode reads one node through the request's loader; nil when the caller cannot see it.
func loadNode(ctx context.Context, id string) (*graph.NodeView, error) {
	l, ok := ctx.Value(loadersKey{}).(*requestLoaders)
	if !ok {
		return nil, graph.Errorf(graph.EINTERNAL, "no dataloaders in the request context")
	}
	return l.nodes.Load(ctx, id)()
}

// loadRisk reads one entity's risk score through the request's loader; nil without signals.
func loadRisk(ctx context.Context, id string) (*graph.RiskView, error) {
	l, ok := ctx.Value(loadersKey{}).(*requestLoaders)
	if !ok {
		return nil, graph.Errorf(graph.EINTERNAL, "no dataloaders in the request context")
	}
	return l.risks.Load(ctx, id)()
}

// loadNodes reads many nodes through the request's loader, in the order asked.
func loadNodes(ctx context.Context, ids []string) ([]*graph.NodeView, error) {
	l, ok := ctx.Value(loadersKey{}).(*requestLoaders)
	if !ok {
		return nil, graph.Errorf(graph.EINTERNAL, "no dataloaders in the request context")
	}
	vals, errs := l.nodes.LoadMany(ctx, ids)()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return vals, nil
}

// NodeBatches is how many node batches the loaders have read since the server started (tests
// count them to prove there is no query per parent).
func (s *Server) NodeBatches() int64 { return s.nodeBatches.Load() }

// RiskBatches is how many risk-score batches the loaders have read since the server started.
func (s *Server) RiskBatches() int64 { return s.riskBatches.Load() }
