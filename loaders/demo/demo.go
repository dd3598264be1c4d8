// Package demo generates a seeded, synthetic demo world for Crosslink: a bank's transaction
// export, a platform's accounts and login events, NCMEC CyberTipline reports and a small
// FollowTheMoney registry, in exactly the formats the loaders read (docs/formats.md), together
// with the ground truth of what was planted in them (docs/demo.md).
//
// The world is ordinary bank customers living ordinary financial lives, among whom a few
// offender networks follow the CSE payment indicators of DOMAIN.md D1–D3 (low-value late-night
// remittances to high-risk jurisdictions, facilitators with fan-in, cover references and
// social-media handles, escalation to travel, VPN and live-stream merchants,
// micro-subscriptions, sextortion bursts and mule accounts), classic AML shapes planted among
// ordinary-looking accounts (fan-in, fan-out, cycles, scatter-gather, gather-scatter), and the
// same people recorded differently by each sector while sharing an identifier.
//
// Output is a pure function of the Config: the same seed and scale give byte-identical files.
// Randomness comes from math/rand/v2 PCG streams, nothing is ordered by map iteration and
// nothing reads the clock. Transactions are generated day by day and written as they are
// made, so memory stays proportional to the number of customers, not of transactions.
package demo

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/crosslink/crosslink/graph"
)

// Names of the files Generate writes.
const (
	TransactionsFile     = "transactions.csv"
	PlatformAccountsFile = "platform_accounts.csv"
	PlatformEventsFile   = "platform_events.csv"
	CyberTipFile         = "cybertip.xml"
	FtMFile              = "ftm.ijson"
	GroundTruthFile      = "ground_truth.json"
)

// BankPartner is the partner name the demo bank's export should be loaded under
// (`crosslink load transactions -partner demo-bank`); it is also the payer_bank and payee_bank
// of its own accounts.
const BankPartner = "demo-bank"

// Config says which world to generate.
type Config struct {
	// Scale multiplies the population: scale 1 is about 2,000 bank customers and 50,000
	// transactions; transactions, customers, networks, patterns and reports grow linearly.
	Scale int
	// Seed selects the world; the same seed and scale give the same bytes.
	Seed uint64
	// Start is the first day (UTC midnight); Days the number of days of activity.
	Start time.Time
	Days  int
}

// DefaultStart is the first day of the demo period unless Config.Start says otherwise.
var DefaultStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// DefaultDays is the length of the demo period.
const DefaultDays = 180

// MaxScale bounds Scale. Past about 55 scale units the reserved range household addresses come
// from (198.18.0.0/15) wraps and unrelated households start to share addresses; larger worlds
// are better served by several seeds loaded under different partners.
const MaxScale = 500

func (c *Config) normalize() error {
	if c.Start.IsZero() {
		c.Start = DefaultStart
	}
	if c.Days == 0 {
		c.Days = DefaultDays
	}
	y, m, d := c.Start.UTC().Date()
	c.Start = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	switch {
	case c.Scale < 1 || c.Scale > MaxScale:
		return graph.Errorf(graph.EINVALID, "demo: scale must be 1 to %d, got %d", MaxScale, c.Scale)
	case c.Days < 60 || c.Days > 3660:
		return graph.Errorf(graph.EINVALID, "demo: days must be 60 to 3660, got %d", c.Days)
	case c.Start.Year() < 1990:
		return graph.Errorf(graph.EINVALID, "demo: start must be 1990 or later")
	}
	return nil
}

// End is the first instant after the demo period.
func (c Config) End() time.Time { return c.Start.AddDate(0, 0, c.Days) }

// FileStat says what one generated file holds.
type FileStat struct {
	Name  string `json:"name"`
	Rows  int    `json:"rows"` // data rows, JSON lines or <report> elements
	Bytes int64  `json:"bytes"`
}

// Result is what Generate wrote.
type Result struct {
	Dir   string
	Files []FileStat
	Truth *GroundTruth
}

// Generate builds the world of cfg and writes its files into dir (created if missing),
// replacing files of the same names. It checks ctx between days.
func Generate(ctx context.Context, cfg Config, dir string) (Result, error) {
	if err := cfg.normalize(); err != nil {
		return Result{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Result{}, fmt.Errorf("demo: %w", err)
	}
	w := buildWorld(cfg)
	res := Result{Dir: dir, Truth: w.truth}
	steps := []struct {
		name  string
		write func(context.Context, *bufio.Writer) (int, error)
	}{
		{TransactionsFile, w.writeTransactions},
		{PlatformAccountsFile, w.writePlatformAccounts},
		{PlatformEventsFile, w.writePlatformEvents},
		{CyberTipFile, w.writeCyberTip},
		{FtMFile, w.writeFtM},
	}
	for _, s := range steps {
		st, err := writeFile(ctx, filepath.Join(dir, s.name), s.write)
		if err != nil {
			return res, err
		}
		st.Name = s.name
		res.Files = append(res.Files, st)
	}
	w.truth.Files = append([]FileStat(nil), res.Files...)
	st, err := writeFile(ctx, filepath.Join(dir, GroundTruthFile), w.writeTruth)
	if err != nil {
		return res, err
	}
	st.Name = GroundTruthFile
	res.Files = append(res.Files, st)
	return res, nil
}

// writeFile creates path and streams one file into it through a buffer.
func writeFile(ctx context.Context, path string, write func(context.Context, *bufio.Writer) (int, error)) (FileStat, error) {
	f, err := os.Create(path)
	if err != nil {
		return FileStat{}, fmt.Errorf("demo: %w", err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	rows, err := write(ctx, bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return FileStat{}, fmt.Errorf("demo: write %s: %w", filepath.Base(path), err)
	}
	info, err := os.Stat(path)
	if err != nil {
		return FileStat{}, fmt.Errorf("demo: %w", err)
	}
	return FileStat{Rows: rows, Bytes: info.Size()}, nil
}

func itoa(n int) string { return strconv.Itoa(n) }
