// Package server is Crosslink's HTTP adapter: routes, middleware (request ids, logs, timeouts,
// recovery, CORS, security headers), health and readiness probes, and the GraphQL handler with
// its resolvers. Resolvers stay thin: arguments in, one call into graph/, result out.
package server
