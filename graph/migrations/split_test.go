package migrations

import (
	"io/fs"
	"slices"
	"strings"
	"testing"
)

func TestSplitStatements(t *testing.T) {
	for _, tt := range []struct {
		name string
		text string
		want []string
	}{
		{name: "empty", text: "", want: nil},
		{name: "blank lines only", text: "\n\n  \n\t\n", want: nil},
		{name: "comments only", text: "// one\n  // two\n/* three */\n", want: nil},
		{name: "one statement without semicolon", text: "RETURN 1", want: []string{"RETURN 1"}},
		{name: "trailing statement without semicolon", text: "RETURN 1;\nRETURN 2\n", want: []string{"RETURN 1", "RETURN 2"}},
		{
			name: "blank lines and comment lines between statements",
			text: "// header\n\nCREATE INDEX a IF NOT EXISTS FOR (n:A) ON (n.x);\n\n\n// next\nCREATE INDEX b IF NOT EXISTS FOR (n:B) ON (n.y);\n\n",
			want: []string{"CREATE INDEX a IF NOT EXISTS FOR (n:A) ON (n.x)", "CREATE INDEX b IF NOT EXISTS FOR (n:B) ON (n.y)"},
		},
		{
			name: "statement over several lines keeps its newlines",
			text: "MATCH (n)\nWHERE n.x = 1\nRETURN n;\n",
			want: []string{"MATCH (n)\nWHERE n.x = 1\nRETURN n"},
		},
		{name: "semicolon in single-quoted string", text: "RETURN 'a;';\nRETURN 2;", want: []string{"RETURN 'a;'", "RETURN 2"}},
		{name: "semicolon in double-quoted string", text: "RETURN \"a;\nb;\";", want: []string{"RETURN \"a;\nb;\""}},
		{name: "escaped quote in string", text: `RETURN 'it\'s; fine';` + "\nRETURN 2", want: []string{`RETURN 'it\'s; fine'`, "RETURN 2"}},
		{name: "escaped backslash ends string", text: `RETURN 'a\\';` + "\nRETURN 2", want: []string{`RETURN 'a\\'`, "RETURN 2"}},
		{name: "semicolon in quoted identifier", text: "MATCH (n:`odd;label`) RETURN n;", want: []string{"MATCH (n:`odd;label`) RETURN n"}},
		{name: "doubled backtick in identifier", text: "RETURN 1 AS `a``;b`;", want: []string{"RETURN 1 AS `a``;b`"}},
		{name: "comment marker in string is text", text: "RETURN 'http://x; // y';", want: []string{"RETURN 'http://x; // y'"}},
		{name: "quote in comment is ignored", text: "// it's\nRETURN 1;", want: []string{"RETURN 1"}},
		{name: "comment after the semicolon", text: "RETURN 1; // one\nRETURN 2; // two", want: []string{"RETURN 1", "RETURN 2"}},
		{name: "comment inside a statement", text: "MATCH (n) // all\nRETURN n;", want: []string{"MATCH (n) \nRETURN n"}},
		{name: "block comment", text: "RETURN /* ; */ 1;", want: []string{"RETURN   1"}},
		{name: "empty statements dropped", text: ";;\n;RETURN 1;;", want: []string{"RETURN 1"}},
		{name: "windows line ends", text: "RETURN 1;\r\nRETURN 2;\r\n", want: []string{"RETURN 1", "RETURN 2"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := splitStatements(tt.text)
			if err != nil {
				t.Fatalf("splitStatements: %v", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("splitStatements(%q)\nwant %q\n got %q", tt.text, tt.want, got)
			}
		})
	}
}

func TestSplitStatementsErrors(t *testing.T) {
	for _, tt := range []struct {
		name, text, want string
	}{
		{name: "open string", text: "RETURN 1;\nRETURN 'a;\n", want: "line 2: ' is never closed"},
		{name: "open identifier", text: "MATCH (n:`x) RETURN n", want: "line 1: ` is never closed"},
		{name: "open block comment", text: "RETURN 1;\n\n/* no end", want: "line 3: comment /* is never closed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := splitStatements(tt.text)
			if err == nil || err.Error() != tt.want {
				t.Errorf("splitStatements(%q) error = %v, want %q", tt.text, err, tt.want)
			}
		})
	}
}

// TestEmbeddedFiles checks that every embedded migration parses, comes in an up and down pair
// and guards each statement with IF [NOT] EXISTS (or only waits for indexes).
func TestEmbeddedFiles(t *testing.T) {
	entries, err := fs.ReadDir(files, "cypher")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range entries {
		text, err := fs.ReadFile(files, "cypher/"+e.Name())
		if err != nil {
			t.Fatal(err)
		}
		stmts, err := splitStatements(string(text))
		if err != nil {
			t.Errorf("%s: %v", e.Name(), err)
			continue
		}
		if len(stmts) == 0 {
			t.Errorf("%s: no statements", e.Name())
		}
		for i, s := range stmts {
			// Data migrations (CALL { } IN TRANSACTIONS) are re-runnable by construction;
			// TestRealMigrations runs them twice.
			if !strings.Contains(s, "IF NOT EXISTS") && !strings.Contains(s, "IF EXISTS") && !strings.HasPrefix(s, "CALL db.awaitIndexes(") &&
				!strings.Contains(s, "} IN TRANSACTIONS OF") {
				t.Errorf("%s statement %d is not idempotent: %s", e.Name(), i+1, excerpt(s, 80))
			}
		}
		base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(e.Name(), ".cypher"), ".up"), ".down")
		seen[base]++
	}
	for base, n := range seen {
		if n != 2 {
			t.Errorf("migration %s has %d files, want an up and a down", base, n)
		}
	}
}

func TestExcerpt(t *testing.T) {
	for _, tt := range []struct {
		in   string
		max  int
		want string
	}{
		{"RETURN\n   1", 80, "RETURN 1"},
		{"abcdef", 3, "abc…"},
		{"äöü", 2, "äö…"},
	} {
		if got := excerpt(tt.in, tt.max); got != tt.want {
			t.Errorf("excerpt(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}
