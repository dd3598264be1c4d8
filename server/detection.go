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

// optional is nil for "", else a pointer to s.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
