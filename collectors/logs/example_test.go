package logs_test

import (
	"fmt"

	"github.com/posit-doctor/posit-doctor/collectors/logs"
)

// A caller that sees lines one at a time (posit-doctor watch) keeps one
// Matcher per log and asks it for each line's level, known signature and
// grouping template.
func ExampleMatcher() {
	m := logs.NewMatcher("connect")
	var tpl []byte
	for _, line := range []string{
		`time="2026-11-23T10:00:00.000Z" level=info msg="GET /content/42/ 200"`,
		`time="2026-11-23T10:00:01.000Z" level=error msg="Rejected insecure proxy authentication attempt" request_id=7`,
		`time="2026-11-23T10:00:02.000Z" level=error msg="Unable to reach the database: dial tcp 10.0.0.5:5432: connect: connection refused"`,
	} {
		c, sig := m.Line([]byte(line))
		if c.Level != logs.LevelError {
			continue
		}
		tpl = m.AppendTemplate(tpl[:0], []byte(line), c)
		id := "(unknown)"
		if sig != nil {
			id = sig.ID
		}
		fmt.Printf("%s | %s\n", id, tpl)
	}
	// Output:
	// connect-proxy-insecure | Rejected insecure proxy authentication attempt" request_id=<v>
	// (unknown) | Unable to reach the database: dial tcp <n>.<n>.<n>.<n>:<n>: connect: connection refused"
}
