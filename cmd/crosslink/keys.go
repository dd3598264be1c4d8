package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/crosslink/crosslink/graph"
)

const keysUsage = `usage: crosslink keys <command> [flags]
  create --role admin|analyst|partner [--partner P] [--name N] [--expires-days D]
              create an API key and print its token (shown this once) on stdout
  list        list the keys (never their secrets)
  revoke ID   revoke a key for good
`

func runKeys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	e := &env{getenv: getenv}
	var c common
	var role, partner, name string
	var days int
	fs := flag.NewFlagSet("keys", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, keysUsage); fs.PrintDefaults() }
	c.bind(fs, e)
	fs.StringVar(&role, "role", "", "create: admin, analyst or partner")
	fs.StringVar(&partner, "partner", "", "create: the partner a partner key acts for (its provenance and read scope)")
	fs.StringVar(&name, "name", "", "create: who or what system holds the key")
	fs.IntVar(&days, "expires-days", 0, "create: lifetime in days (0: never expires)")
	if len(args) == 0 {
		fs.Usage()
		return errUsage
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "create", "list", "revoke":
	case "-h", "-help", "--help":
		fs.Usage()
		return errHelp
	default:
		fmt.Fprintf(stderr, "crosslink: unknown keys command %q\n", sub)
		fs.Usage()
		return errUsage
	}
	if err := parse(fs, rest, e); err != nil {
		return err
	}
	if sub == "revoke" && fs.NArg() != 1 {
		return fmt.Errorf("keys revoke takes one key id, e.g. crosslink keys revoke 3f9a1c2b7d10")
	}
	if sub != "revoke" && fs.NArg() > 0 {
		return fmt.Errorf("keys %s takes no arguments, got %q", sub, fs.Arg(0))
	}
	if sub == "create" && (days < 0 || days > 3650) {
		return fmt.Errorf("keys create: -expires-days %d: must be between 0 (never) and 3650", days)
	}
	store, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close(context.WithoutCancel(ctx))
	now := time.Now()
	switch sub {
	case "create":
		k, token, err := store.CreateAPIKey(ctx, graph.NewAPIKey{Name: name, Role: graph.Role(role), Partner: partner,
			TTL: time.Duration(days) * 24 * time.Hour}, now)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, token)
		fmt.Fprintf(stderr, "created key %s (%s%s); the token above is not stored and cannot be shown again\n", k.ID, k.Role, partnerNote(k.Partner))
	case "list":
		keys, err := store.APIKeys(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "id\trole\tpartner\tname\tcreated\texpires\trevoked\tlast used")
		for _, k := range keys {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Role, dash(k.Partner), dash(k.Name),
				day(k.CreatedAt), day(k.ExpiresAt), day(k.RevokedAt), day(k.LastUsedAt))
		}
		return tw.Flush()
	case "revoke":
		k, err := store.RevokeAPIKey(ctx, fs.Arg(0), now)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "revoked key %s (%s%s) at %s\n", k.ID, k.Role, partnerNote(k.Partner), k.RevokedAt.Format(time.RFC3339))
	}
	return nil
}

func partnerNote(p string) string {
	if p == "" {
		return ""
	}
	return " for " + p
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func day(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format("2006-01-02 15:04")
}
