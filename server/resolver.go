package server

// Resolver is the root of the GraphQL resolvers; it holds what they call into.
type Resolver struct {
	status *Status
}
