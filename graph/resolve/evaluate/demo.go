package evaluate

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/loaders/demo"
)

// DemoTruth reads a demo world's ground_truth.json.
func DemoTruth(path string) (*demo.GroundTruth, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("demo truth: %w", err)
	}
	var g demo.GroundTruth
	if err := json.Unmarshal(b, &g); err != nil {
		return nil, fmt.Errorf("demo truth %s: %w", path, err)
	}
	return &g, nil
}

// DemoRecords are the graph records of one same-person truth: the bank's customer, each platform
// account (reports name the same accounts), the Person a report makes of a subject it describes,
// each registry entry, as the loaders of `make run` name them (the FtM file is ftm.ijson, so its
// namespace is "ftm"). Accounts are no records: they are identifiers of their holder. Some of
// these may not exist (a subject the report does not describe): DemoWorld keeps those that do.
func DemoRecords(g *demo.GroundTruth, p *demo.PersonTruth) []string {
	var ids []string
	add := func(id string) {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if p.CustomerID != "" {
		add(graph.PartyID(graph.LabelPerson, g.BankPartner, p.CustomerID))
	}
	for _, a := range p.PlatformAccounts {
		add(graph.UserAccountID(a.Service, a.PlatformID))
	}
	for _, r := range p.Reports {
		add(graph.UserAccountID(r.Service, r.ESPIdentifier))
		if r.Role == "subject" {
			// a subject the report describes (name, birth date, address) is also a Person
			// record of the report; the demo's reports have one subject each
			add(graph.PartyID(graph.LabelPerson, "cybertip", r.ReportID+":subject:1"))
		}
	}
	for _, f := range p.FtMIDs {
		add(graph.FtMID("ftm", f))
	}
	return ids
}

// DemoWorld scores the resolved entities stored in the graph (members: record id -> resolved
// entity id, graph.Store.ResolvedMemberships; exists: whether a record is in the graph) against
// the demo world's same-person truth:
// pairwise, over every predicted pair (a record the truth does not name is a person with one
// record, so any link of it is false).
func DemoWorld(g *demo.GroundTruth, members map[string]string, exists func(id string) bool) Row {
	var groups [][]string
	for _, p := range g.SamePerson {
		ids := slices.DeleteFunc(DemoRecords(g, p), func(id string) bool { return !exists(id) })
		if len(ids) > 1 {
			groups = append(groups, ids)
		}
	}
	truth := GroupPairs(groups)
	byEntity := map[string][]string{}
	for rec, e := range members {
		byEntity[e] = append(byEntity[e], rec)
	}
	var predicted [][]string
	for _, recs := range byEntity {
		predicted = append(predicted, recs)
	}
	pred := GroupPairs(predicted)
	m := Score(pred, truth)
	return Row{Dataset: fmt.Sprintf("demo world (scale %d, seed %d)", g.Generator.Scale, g.Generator.Seed),
		Task: "same person across bank, platform, hotline and registry (in Neo4j)", Records: len(members),
		Metrics: m,
		Detail:  fmt.Sprintf("%d same-person truths; %d resolved entities in the graph", len(groups), len(byEntity))}
}
