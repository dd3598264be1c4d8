package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/crosslink/crosslink/loaders"
)

func runLoad(_ context.Context, args []string, _ func(string) string, _, stderr io.Writer) error {
	formats := loaders.Formats()
	sort.Strings(formats)
	list := "none yet"
	if len(formats) > 0 {
		list = strings.Join(formats, ", ")
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" {
		fmt.Fprintf(stderr, "usage: crosslink load <format> <file>...\nformats: %s\n", list)
		return errUsage
	}
	return fmt.Errorf("load: unknown format %q (formats: %s)", args[0], list)
}
