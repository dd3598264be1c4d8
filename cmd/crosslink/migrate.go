package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"

	"github.com/crosslink/crosslink/graph/migrations"
)

const migrateUsage = `usage: crosslink migrate <command> [flags]
  up          apply every pending migration
  down [N]    revert the last N migrations (all when N is omitted)
  goto V      migrate up or down to version V
  force V     set the version to V without running anything (after a failed migration;
              V=-1 means none)
  version     print the applied version and whether it is dirty
`

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	e := &env{getenv: getenv}
	var c common
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, migrateUsage); fs.PrintDefaults() }
	c.bind(fs, e)
	if len(args) == 0 {
		fs.Usage()
		return errUsage
	}
	sub, rest := args[0], args[1:]
	if err := parse(fs, rest, e); err != nil {
		return err
	}
	num := func(name string, min int) (int, error) {
		if fs.NArg() != 1 {
			return 0, fmt.Errorf("migrate %s takes one number, e.g. crosslink migrate %s 1", sub, sub)
		}
		n, err := strconv.Atoi(fs.Arg(0))
		if err != nil || n < min {
			return 0, fmt.Errorf("migrate %s: %q is not a valid %s", sub, fs.Arg(0), name)
		}
		return n, nil
	}
	switch sub {
	case "up", "down", "goto", "force", "version":
	default:
		fmt.Fprintf(stderr, "crosslink: unknown migrate command %q\n", sub)
		fs.Usage()
		return errUsage
	}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	store, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close(context.WithoutCancel(ctx))
	m, err := migrations.New(store, migrations.WithLogger(log))
	if err != nil {
		return err
	}
	defer m.Close()
	switch sub {
	case "up":
		err = m.Up(ctx)
	case "down":
		steps := 0
		if fs.NArg() > 0 {
			if steps, err = num("number of steps", 1); err != nil {
				return err
			}
		}
		err = m.Down(ctx, steps)
	case "goto":
		var v int
		if v, err = num("version", 0); err != nil {
			return err
		}
		err = m.Goto(ctx, uint(v))
	case "force":
		var v int
		if v, err = num("version", -1); err != nil {
			return err
		}
		err = m.Force(ctx, v)
	}
	if err != nil {
		return err
	}
	v, dirty, err := m.Version(ctx)
	if err != nil {
		return err
	}
	state := "clean"
	if dirty {
		state = "dirty"
	}
	fmt.Fprintf(stdout, "version %d of %d (%s)\n", v, m.Latest(), state)
	return nil
}
