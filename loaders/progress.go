package loaders

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Progress reports a running load: on a terminal, one line redrawn in place with a bar, rows/s
// and ETA; elsewhere (logs, CI) a plain line every Interval.
type Progress struct {
	W        io.Writer
	Terminal bool
	Interval time.Duration // default 1s on a terminal, 10s otherwise
}

// start begins reporting and returns the function that stops it (drawing the final state).
func (p *Progress) start(file string, size int64, stats func() (bytes int64, read, rejected int)) func() {
	interval := p.Interval
	if interval <= 0 {
		interval = 10 * time.Second
		if p.Terminal {
			interval = time.Second
		}
	}
	begin := time.Now()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	draw := func(final bool) {
		b, read, rejected := stats()
		el := time.Since(begin)
		rate := 0.0
		if el > 0 {
			rate = float64(read) / el.Seconds()
		}
		var line string
		if size > 0 {
			frac := float64(b) / float64(size)
			if frac > 1 {
				frac = 1
			}
			eta := "--:--"
			if frac > 0 && !final {
				eta = fmtDur(time.Duration(float64(el) * (1 - frac) / frac))
			} else if final {
				eta = fmtDur(el)
			}
			if p.Terminal {
				const width = 24
				n := int(frac * width)
				line = fmt.Sprintf("%s [%s%s] %3.0f%% %d rows %d rejected %.0f rows/s ETA %s",
					baseName(file), strings.Repeat("=", n), strings.Repeat(" ", width-n), frac*100, read, rejected, rate, eta)
			} else {
				line = fmt.Sprintf("load %s: %.0f%% %d rows %d rejected %.0f rows/s eta %s", baseName(file), frac*100, read, rejected, rate, eta)
			}
		} else {
			line = fmt.Sprintf("load %s: %d rows %d rejected %.0f rows/s", baseName(file), read, rejected, rate)
		}
		if p.Terminal {
			fmt.Fprintf(p.W, "\r\033[K%s", line)
			if final {
				fmt.Fprintln(p.W)
			}
		} else if !final {
			fmt.Fprintln(p.W, line)
		}
	}
	go func() {
		defer wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				draw(false)
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		draw(true)
	}
}

func fmtDur(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%d:%02d", m, s)
}
