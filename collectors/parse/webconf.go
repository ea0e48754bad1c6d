package parse

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	ngxconfig "github.com/tufanbarisyildirim/gonginx/config"
	ngxparser "github.com/tufanbarisyildirim/gonginx/parser"
)

// ConfNode is one directive of a web server config (nginx or Apache httpd)
// in a tree both grammars share: a name, its arguments (quotes removed), the
// line it starts on, the file it came from (set by the caller, which
// follows includes), and the directives of its block or section.
type ConfNode struct {
	Name     string      `json:"name"`
	Args     []string    `json:"args,omitempty"`
	File     string      `json:"file,omitempty"`
	Line     int         `json:"line"`
	Block    bool        `json:"block,omitempty"` // nginx { } or an Apache <Section>
	Children []*ConfNode `json:"children,omitempty"`
}

// Arg is argument i, or "".
func (n *ConfNode) Arg(i int) string {
	if i < len(n.Args) {
		return n.Args[i]
	}
	return ""
}

// SetFile sets the file of n and everything under it.
func (n *ConfNode) SetFile(p string) {
	n.File = p
	for _, c := range n.Children {
		c.SetFile(p)
	}
}

// ConfError is why a config did not parse, with the line when known.
type ConfError struct {
	Line int
	Msg  string
}

func (e *ConfError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

var ngxLine = regexp.MustCompile(`line (\d+)`)

// ParseNginx reads an nginx config file with github.com/tufanbarisyildirim/gonginx
// (the grammar nginx itself uses: blocks, quoting, comments), without
// following includes (the caller does, through the host layer) and
// accepting directives of modules gonginx does not know.
func ParseNginx(src []byte) (nodes []*ConfNode, err error) {
	defer func() {
		if r := recover(); r != nil { // the library must not take the run down
			nodes, err = nil, &ConfError{Msg: fmt.Sprintf("the nginx parser failed: %v", r)}
		}
	}()
	p := ngxparser.NewStringParser(string(src), ngxparser.WithSkipValidDirectivesErr(), ngxparser.WithSkipComments())
	c, perr := p.Parse()
	if perr != nil {
		ce := &ConfError{Msg: perr.Error()}
		if m := ngxLine.FindStringSubmatch(perr.Error()); m != nil {
			ce.Line, _ = strconv.Atoi(m[1])
		}
		return nil, ce
	}
	nodes = ngxNodes(c.Block, 0)
	fixBlockLines(nodes, strings.Split(string(src), "\n"), 1)
	return nodes, nil
}

// fixBlockLines moves a block's line from its closing brace (where the
// library records it) to the line that opens it: the last line at or
// before its first directive that names it and holds the '{'.
func fixBlockLines(nodes []*ConfNode, lines []string, floor int) {
	for _, n := range nodes {
		if !n.Block {
			continue
		}
		from := n.Line
		if len(n.Children) > 0 && n.Children[0].Line > 0 && n.Children[0].Line < from {
			from = n.Children[0].Line
		}
		for l := from; l >= floor && l >= 1 && l <= len(lines); l-- {
			if strings.Contains(lines[l-1], n.Name) && strings.Contains(lines[l-1], "{") {
				n.Line = l
				break
			}
		}
		fixBlockLines(n.Children, lines, n.Line)
	}
}

func ngxNodes(b ngxconfig.IBlock, depth int) []*ConfNode {
	if b == nil || depth > 64 {
		return nil
	}
	var out []*ConfNode
	for _, d := range b.GetDirectives() {
		if d == nil {
			continue
		}
		n := &ConfNode{Name: d.GetName(), Line: d.GetLine()}
		for _, p := range d.GetParameters() {
			n.Args = append(n.Args, unquoteConf(p.Value))
		}
		if inc, ok := d.(*ngxconfig.Include); ok && len(n.Args) == 0 {
			n.Args = []string{unquoteConf(inc.IncludePath)}
		}
		if up, ok := d.(*ngxconfig.Upstream); ok {
			n.Block = true
			for _, s := range up.UpstreamServers {
				sn := &ConfNode{Name: "server", Line: s.GetLine()}
				for _, p := range s.GetParameters() {
					sn.Args = append(sn.Args, unquoteConf(p.Value))
				}
				if len(sn.Args) == 0 && s.Address != "" {
					sn.Args = []string{s.Address}
				}
				n.Children = append(n.Children, sn)
			}
			out = append(out, n)
			continue
		}
		if blk := d.GetBlock(); blk != nil {
			n.Block = true
			n.Children = ngxNodes(blk, depth+1)
		}
		out = append(out, n)
	}
	return out
}

func unquoteConf(s string) string {
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return s[1 : len(s)-1]
	}
	return s
}

// ParseApache reads an Apache httpd config file: one directive per line
// (a trailing backslash continues it), '#' comments at the start of a line,
// <Section args> ... </Section> nesting, double-quoted arguments with
// backslash escapes. There is no well-kept Go parser for httpd's grammar;
// this is the part of it the checks need, and a malformed file is an error
// with its line, never a panic.
func ParseApache(src []byte) ([]*ConfNode, error) {
	root := &ConfNode{Block: true}
	stack := []*ConfNode{root}
	lines := strings.Split(string(src), "\n")
	for i := 0; i < len(lines); i++ {
		start := i + 1
		line := strings.TrimRight(lines[i], "\r")
		for strings.HasSuffix(line, "\\") && i+1 < len(lines) {
			i++
			line = strings.TrimSuffix(line, "\\") + " " + strings.TrimRight(lines[i], "\r")
		}
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if strings.HasPrefix(t, "</") {
			name := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(t, "</"), ">"))
			top := stack[len(stack)-1]
			if len(stack) == 1 || !strings.EqualFold(top.Name, name) {
				return nil, &ConfError{Line: start, Msg: fmt.Sprintf("</%s> closes no open <%s> section", name, name)}
			}
			stack = stack[:len(stack)-1]
			continue
		}
		section := false
		if strings.HasPrefix(t, "<") {
			if !strings.HasSuffix(t, ">") {
				return nil, &ConfError{Line: start, Msg: "a section line does not end in '>'"}
			}
			section = true
			t = strings.TrimSuffix(strings.TrimPrefix(t, "<"), ">")
		}
		words, err := apacheWords(t)
		if err != nil {
			return nil, &ConfError{Line: start, Msg: err.Error()}
		}
		if len(words) == 0 {
			return nil, &ConfError{Line: start, Msg: "an empty section"}
		}
		n := &ConfNode{Name: words[0], Args: words[1:], Line: start, Block: section}
		top := stack[len(stack)-1]
		top.Children = append(top.Children, n)
		if section {
			if len(stack) > 64 {
				return nil, &ConfError{Line: start, Msg: "sections nested more than 64 deep"}
			}
			stack = append(stack, n)
		}
	}
	if len(stack) > 1 {
		open := stack[len(stack)-1]
		return nil, &ConfError{Line: open.Line, Msg: fmt.Sprintf("<%s> is never closed", open.Name)}
	}
	return root.Children, nil
}

// apacheWords splits a directive line into words: spaces separate, double
// quotes group (with \" and \\ escapes), and a word may not end inside quotes.
func apacheWords(s string) ([]string, error) {
	var out []string
	var b strings.Builder
	inWord, inQuote := false, false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case inQuote && ch == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\'):
			i++
			b.WriteByte(s[i])
		case ch == '"' && (inQuote || !inWord || b.Len() == 0):
			inQuote = !inQuote
			inWord = true
		case !inQuote && (ch == ' ' || ch == '\t'):
			if inWord {
				out = append(out, b.String())
				b.Reset()
				inWord = false
			}
		default:
			b.WriteByte(ch)
			inWord = true
		}
	}
	if inQuote {
		return nil, errors.New("a quoted argument is not closed")
	}
	if inWord {
		out = append(out, b.String())
	}
	return out, nil
}
