// Package graph is the heart of Crosslink: the domain model of the cross-sector entity graph
// (entities, shared identifiers, transactions, reports, provenance), its error codes, and all
// access to Neo4j, analytics included. It has no HTTP or GraphQL dependencies; adapters in
// server/ and loaders/ call into it.
//
// Every query is parameterized: values travel as $parameters, and the few things Cypher cannot
// take as parameters (labels, relationship types, hop limits) come from closed allow-lists in Go.
package graph
