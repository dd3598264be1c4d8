package server

import (
	"strings"

	"github.com/crosslink/crosslink/server/generated"
)

// familyOf is a rule family as the API's enum.
func familyOf(f string) generated.SignalFamily { return generated.SignalFamily(strings.ToUpper(f)) }

// nonNilSlice makes an empty list [] rather than null.
func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
