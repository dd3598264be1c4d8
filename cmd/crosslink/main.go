// Command crosslink is Crosslink's one binary: `serve` runs the GraphQL API (and later the UI),
// `migrate` manages the Neo4j schema, `load` runs the file loaders. It only wires things
// together: configuration from the environment and flags, the logger, the Neo4j store.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/crosslink/crosslink/graph"
)

// version is set at build time with -ldflags "-X main.version=..."; otherwise it comes from the
// module's build information.
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(Main(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// Main runs one crosslink command and returns the process exit code. Errors are printed as one
// line on stderr, never as a stack trace.
func Main(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	err := run(ctx, args, getenv, stdout, stderr)
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		fmt.Fprintln(stderr, "crosslink: "+ee.msg)
		return ee.code
	default:
		fmt.Fprintln(stderr, "crosslink: "+oneLine(err))
		return 1
	}
}

var (
	errUsage = errors.New("usage")
	errHelp  = errors.New("help")
)

const usage = `crosslink: the cross-sector entity graph for following the money

Usage:
  crosslink serve    [flags]                  run the GraphQL API on CROSSLINK_ADDR
  crosslink migrate  up|down [N]|goto V|force V|version [flags]
  crosslink load     <format> <file>... [flags]
  crosslink demo     generate --scale N --seed S --out DIR [--start D --days N]
  crosslink keys     create --role R [--partner P] [--name N] [--expires-days D] | list | revoke ID
  crosslink hash     -format F [flags] IN.csv  key identifiers, encode names for sharing (docs/privacy.md)
  crosslink resolve  [-full] [flags]          resolve persons and organisations across sources
  crosslink detect   [flags]                  run the detection rules over the whole graph
  crosslink eval     resolve [-data DIR] [-synthetic N] [-json]   measure entity resolution
  crosslink eval     detect [-data DIR] [-demo-truth F] [-json]   measure detection
  crosslink version

Run 'crosslink <command> -h' for a command's flags. Every flag also reads an environment
variable, listed in the README.
`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], getenv, stderr)
	case "migrate":
		return runMigrate(ctx, args[1:], getenv, stdout, stderr)
	case "load":
		return runLoad(ctx, args[1:], getenv, stdout, stderr)
	case "demo":
		return runDemo(ctx, args[1:], getenv, stdout, stderr)
	case "keys":
		return runKeys(ctx, args[1:], getenv, stdout, stderr)
	case "hash":
		return runHash(ctx, args[1:], getenv, stdout, stderr)
	case "eval":
		return runEval(ctx, args[1:], getenv, stdout, stderr)
	case "resolve":
		return runResolve(ctx, args[1:], getenv, stdout, stderr)
	case "detect":
		return runDetect(ctx, args[1:], getenv, stdout, stderr)
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, buildVersion())
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "crosslink: unknown command %q\n\n%s", args[0], usage)
		return errUsage
	}
}

// buildVersion is the version Crosslink reports: the linker-set one, else the module version,
// else the VCS revision, else "dev".
func buildVersion() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "dev"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return "dev-" + rev
}

// oneLine renders err for an operator: the safe message of a graph.Error when it has one, the
// whole chain otherwise, on a single line.
func oneLine(err error) string {
	var ge *graph.Error
	msg := err.Error()
	if errors.As(err, &ge) && ge.Message != "" {
		msg = ge.Message
	}
	out := make([]rune, 0, len(msg))
	for _, r := range msg {
		if r == '\n' || r == '\r' {
			r = ' '
		}
		out = append(out, r)
	}
	return string(out)
}
