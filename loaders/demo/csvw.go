package demo

import (
	"bufio"
	"strconv"
	"strings"
	"time"
)

// csvWriter writes CSV lines with the quoting of encoding/csv (a field is quoted when it holds
// the delimiter, a quote or a line break, or starts with a space), into one reused buffer:
// encoding/csv's per-field checks and the []string of every row were most of the cost of a
// million-row file.
type csvWriter struct {
	w   *bufio.Writer
	buf []byte
	n   int // fields in the current line
}

func newCSVWriter(w *bufio.Writer) *csvWriter { return &csvWriter{w: w, buf: make([]byte, 0, 1024)} }

func (c *csvWriter) sep() {
	if c.n > 0 {
		c.buf = append(c.buf, ',')
	}
	c.n++
}

// str adds a text field.
func (c *csvWriter) str(s string) {
	c.sep()
	if !needsQuotes(s) {
		c.buf = append(c.buf, s...)
		return
	}
	c.buf = append(c.buf, '"')
	c.buf = append(c.buf, strings.ReplaceAll(s, `"`, `""`)...)
	c.buf = append(c.buf, '"')
}

// time adds a time as RFC 3339 (never quoted).
func (c *csvWriter) time(t time.Time) {
	c.sep()
	c.buf = t.AppendFormat(c.buf, time.RFC3339)
}

// date adds a date as YYYY-MM-DD.
func (c *csvWriter) date(t time.Time) {
	c.sep()
	c.buf = t.AppendFormat(c.buf, time.DateOnly)
}

// minor adds an amount in minor units as a decimal with two places.
func (c *csvWriter) minor(v int64) {
	c.sep()
	c.buf = strconv.AppendInt(c.buf, v/100, 10)
	c.buf = append(c.buf, '.', byte('0'+v%100/10), byte('0'+v%10))
}

// line writes the fields given so far as one line.
func (c *csvWriter) line() error {
	c.buf = append(c.buf, '\n')
	_, err := c.w.Write(c.buf)
	c.buf, c.n = c.buf[:0], 0
	return err
}

// row writes a whole line of text fields.
func (c *csvWriter) row(fields ...string) error {
	for _, f := range fields {
		c.str(f)
	}
	return c.line()
}

func needsQuotes(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == ' ' || s[0] == '\t' || s == `\.` {
		return true
	}
	for i := range len(s) {
		// ',', '"', '\r' and '\n' are all at or below ','.
		if c := s[i]; c <= ',' && (c == ',' || c == '"' || c == '\r' || c == '\n') {
			return true
		}
	}
	return false
}
