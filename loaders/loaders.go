// Package loaders parses and validates input files (one file per format: bank transactions,
// platform accounts and events, hotline reports, FollowTheMoney entities, AMLSim) and hands
// typed batches to graph/. It never writes Cypher. Errors name the file, line and field.
package loaders

// Formats lists the formats `crosslink load` accepts. The entity-graph issue adds them.
func Formats() []string { return nil }
