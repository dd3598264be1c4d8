package server

import (
	"testing"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/server/generated"
)

// Every label has a valid EntityType and back: IPAddress is IP_ADDRESS, not I_P_ADDRESS.
func TestEntityTypesCoverLabels(t *testing.T) {
	for _, l := range graph.Labels {
		et := gqlEntityType(l)
		if !et.IsValid() {
			t.Errorf("label %s: %s is not an EntityType", l, et)
		}
		if labelOf[et] != l {
			t.Errorf("EntityType %s: label %q, want %s", et, labelOf[et], l)
		}
	}
	for _, et := range generated.AllEntityType {
		if labelOf[et] == "" {
			t.Errorf("EntityType %s has no label", et)
		}
	}
	if got := gqlEntityType(graph.LabelIPAddress); got != generated.EntityTypeIPAddress {
		t.Errorf("IPAddress: %s", got)
	}
}
