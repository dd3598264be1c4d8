package migrations

import (
	"fmt"
	"strings"
)

// splitStatements cuts the text of a .cypher file into the statements it holds, in order.
//
// A statement ends at a `;` that is outside string literals ('…', "…"), quoted identifiers
// (`…`) and comments; in our files that is the end of a line. Comments (// to the end of the
// line, /* … */) are removed, and statements left empty are dropped, so a comment-only file
// yields none. The last statement needs no `;`. Neo4j takes one statement per query, so the
// file has to be cut here; a lexer rather than strings.Split keeps `;` and `//` inside
// literals (URLs, free text) intact.
//
// It returns an error for a string, identifier or block comment left open at the end of the text.
func splitStatements(text string) ([]string, error) {
	var (
		stmts []string
		cur   strings.Builder
		quote byte // the quote that opened the current literal, 0 outside literals
		line  = 1  // line of the current position, for errors
		start int  // line where the open literal or comment started
	)
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			stmts = append(stmts, s)
		}
		cur.Reset()
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c == '\n' {
			line++
		}
		var next byte
		if i+1 < len(text) {
			next = text[i+1]
		}
		switch {
		case quote != 0:
			cur.WriteByte(c)
			switch {
			case c == '\\' && quote != '`' && next != 0:
				// An escaped character (\' \" \\ …) never closes the string.
				cur.WriteByte(next)
				if next == '\n' {
					line++
				}
				i++
			case c == quote:
				// A doubled backtick inside an identifier closes and reopens it: same result.
				quote = 0
			}
		case c == '\'' || c == '"' || c == '`':
			quote, start = c, line
			cur.WriteByte(c)
		case c == '/' && next == '/':
			// Skip to the end of the line; the newline itself is kept as a separator.
			j := strings.IndexByte(text[i:], '\n')
			if j < 0 {
				i = len(text)
				continue
			}
			i += j - 1
		case c == '/' && next == '*':
			j := strings.Index(text[i+2:], "*/")
			if j < 0 {
				return nil, fmt.Errorf("line %d: comment /* is never closed", line)
			}
			line += strings.Count(text[i:i+2+j], "\n")
			i += 2 + j + 1
			cur.WriteByte(' ')
		case c == ';':
			flush()
		default:
			cur.WriteByte(c)
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("line %d: %c is never closed", start, quote)
	}
	flush()
	return stmts, nil
}

// excerpt returns the start of a statement on one line, for error messages: whitespace runs
// become one space and the text is cut to max runes.
func excerpt(stmt string, max int) string {
	s := strings.Join(strings.Fields(stmt), " ")
	if r := []rune(s); len(r) > max {
		return string(r[:max]) + "…"
	}
	return s
}
