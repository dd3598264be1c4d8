package server

import (
	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/server/generated"
)

// Conversions between the GraphQL types of schema/cases.graphqls and graph's alert and case
// types, so that the resolvers stay one call each.

// alertChange is an AlertUpdate as graph takes it.
func alertChange(in generated.AlertUpdate) graph.AlertChange {
	c := graph.AlertChange{Assignee: in.Assignee, Note: deref(in.Note)}
	if in.Status != nil {
		st := graph.AlertStatus(*in.Status)
		c.Status = &st
	}
	if in.CloseReason != nil {
		c.CloseReason = string(*in.CloseReason)
	}
	return c
}

// alertFilter is an AlertFilter as graph takes it (nil for all alerts).
func alertFilter(in *generated.AlertFilter) graph.AlertFilter {
	var f graph.AlertFilter
	if in == nil {
		return f
	}
	for _, st := range in.Statuses {
		f.Statuses = append(f.Statuses, graph.AlertStatus(st))
	}
	f.Assignee, f.Subject, f.MinRisk = deref(in.Assignee), deref(in.Subject), deref(in.MinRisk)
	return f
}

// caseChange is updateCase's arguments as graph takes them.
func caseChange(title, description *string, status *generated.CaseStatus) graph.CaseChange {
	c := graph.CaseChange{Title: title, Description: description}
	if status != nil {
		st := string(*status)
		c.Status = &st
	}
	return c
}

// savedView is a SavedViewInput as graph takes it.
func savedView(in generated.SavedViewInput) graph.SavedView {
	return graph.SavedView{Name: in.Name, NodeIDs: in.NodeIds, EdgeIDs: in.EdgeIds, Layout: deref(in.Layout), Filters: deref(in.Filters)}
}

// closeReason is an alert's close reason in the API: null unless closed.
func closeReason(a *graph.AlertView) *generated.CloseReason {
	if a.CloseReason == "" {
		return nil
	}
	c := generated.CloseReason(a.CloseReason)
	return &c
}
