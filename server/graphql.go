package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/server/generated"
)

// graphqlHandler is the GraphQL endpoint: explicit transports (no websockets yet), a parsed
// query cache, complexity and depth limits, introspection as configured, one error presenter
// and one recover function.
func (s *Server) graphqlHandler() http.Handler {
	es := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{status: s.status, store: s.store, keys: s.keys, jobs: s.jobs, resolve: s.resolve, detect: s.detect, queue: s.queue}})
	h := handler.New(es)
	h.AddTransport(transport.Options{AllowedMethods: []string{http.MethodGet, http.MethodPost, http.MethodOptions}})
	h.AddTransport(transport.GET{})
	h.AddTransport(transport.POST{})
	h.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	if s.cfg.Introspection {
		h.Use(extension.Introspection{})
	}
	h.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	h.Use(extension.FixedComplexityLimit(s.cfg.ComplexityLimit))
	h.Use(depthLimit{max: s.cfg.DepthLimit})
	h.Use(auditExtension{})
	h.AroundRootFields(s.authorize)
	h.SetErrorPresenter(s.presentError)
	h.SetRecoverFunc(func(ctx context.Context, v any) error {
		s.log.Error("graphql panic", "request_id", RequestID(ctx), "panic", fmt.Sprint(v))
		return &graph.Error{Code: graph.EINTERNAL, Err: fmt.Errorf("panic: %v", v)}
	})
	return h
}

// gqlCodes maps graph error codes to GraphQL extensions.code, in this one place.
var gqlCodes = map[string]string{
	graph.EINVALID:      "BAD_USER_INPUT",
	graph.ENOTFOUND:     "NOT_FOUND",
	graph.ECONFLICT:     "CONFLICT",
	graph.EUNAUTHORIZED: "UNAUTHENTICATED",
	graph.EFORBIDDEN:    "FORBIDDEN",
	graph.EUNAVAILABLE:  "UNAVAILABLE",
	graph.EINTERNAL:     "INTERNAL_SERVER_ERROR",
}

// presentError turns any resolver error into a GraphQL error with extensions.code and a message
// safe to show. Internal errors are logged once, with the request id, and shown as
// "internal error". Errors gqlgen made itself (parsing, validation, limits) keep their text.
func (s *Server) presentError(ctx context.Context, err error) *gqlerror.Error {
	gerr := graphql.DefaultErrorPresenter(ctx, err)
	var ge *gqlerror.Error
	if errors.As(err, &ge) && ge.Err == nil {
		return gerr // already a GraphQL error of gqlgen's own
	}
	code := graph.ErrorCode(err)
	if code == graph.EINTERNAL {
		s.log.Error("internal error", "request_id", RequestID(ctx), "path", gerr.Path.String(), "err", err.Error())
	} else if code == graph.EUNAVAILABLE {
		s.log.Warn("unavailable", "request_id", RequestID(ctx), "path", gerr.Path.String(), "err", err.Error())
	}
	gerr.Message = graph.ErrorMessage(err)
	if gerr.Extensions == nil {
		gerr.Extensions = map[string]any{}
	}
	gerr.Extensions["code"] = gqlCodes[code]
	if code == graph.EUNAVAILABLE {
		gerr.Extensions["retryable"] = true
	}
	return gerr
}

// depthLimit refuses operations whose selections nest deeper than max, fragments included,
// before any resolver runs (a complexity limit alone lets narrow, very deep queries through).
type depthLimit struct{ max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = depthLimit{}

func (depthLimit) ExtensionName() string                   { return "DepthLimit" }
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (d depthLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if d.max <= 0 || oc.Operation == nil {
		return nil
	}
	// Introspection (__schema, __type) is exempt: its depth is bounded by the schema, and
	// standard clients' introspection queries nest about 15 levels.
	var set ast.SelectionSet
	for _, sel := range oc.Operation.SelectionSet {
		if f, ok := sel.(*ast.Field); ok && (f.Name == "__schema" || f.Name == "__type") {
			continue
		}
		set = append(set, sel)
	}
	if depth := selectionDepth(set, 0, d.max); depth > d.max {
		err := gqlerror.Errorf("operation is nested deeper than the limit of %d", d.max)
		err.Extensions = map[string]any{"code": "DEPTH_LIMIT_EXCEEDED"}
		return err
	}
	return nil
}

// selectionDepth returns the depth of set, stopping as soon as it passes max (so a fragment
// cycle, which validation refuses anyway, cannot loop).
func selectionDepth(set ast.SelectionSet, depth, max int) int {
	if depth > max {
		return depth
	}
	deepest := depth
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			if len(s.SelectionSet) == 0 {
				d = depth + 1
			} else {
				d = selectionDepth(s.SelectionSet, depth+1, max)
			}
		case *ast.InlineFragment:
			d = selectionDepth(s.SelectionSet, depth, max)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				d = selectionDepth(s.Definition.SelectionSet, depth, max)
			}
		}
		if d > deepest {
			deepest = d
		}
	}
	return deepest
}
