// Command genlog writes a synthetic Posit product log for benchmarks:
//
//	go run ./cmd/genlog -format workbench|connect -size 256MiB -end RFC3339 FILE
//
// Lines are one second apart and end at -end; one line in -every is an
// error (a real message shape from ../shared/realworld/logs.md), the rest
// are INFO lines, some of which mention "error" in their message, as real
// logs do.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

func parseSize(s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "GiB"):
		mult, s = 1<<30, strings.TrimSuffix(s, "GiB")
	case strings.HasSuffix(s, "MiB"):
		mult, s = 1<<20, strings.TrimSuffix(s, "MiB")
	case strings.HasSuffix(s, "KiB"):
		mult, s = 1<<10, strings.TrimSuffix(s, "KiB")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n * mult, err
}

func main() {
	format := flag.String("format", "workbench", "workbench or connect")
	sizeFlag := flag.String("size", "256MiB", "file size")
	endFlag := flag.String("end", "", "time of the last line (RFC3339; default now)")
	every := flag.Int("every", 1000, "one error line in this many")
	secrets = flag.Int("secrets", 0, "one line in this many carries a planted secret (0: none)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: genlog [-format workbench|connect] [-size 256MiB] [-end RFC3339] FILE")
		os.Exit(2)
	}
	size, err := parseSize(*sizeFlag)
	if err != nil {
		fmt.Fprintln(os.Stderr, "genlog: -size:", err)
		os.Exit(2)
	}
	end := time.Now().UTC()
	if *endFlag != "" {
		if end, err = time.Parse(time.RFC3339, *endFlag); err != nil {
			fmt.Fprintln(os.Stderr, "genlog: -end:", err)
			os.Exit(2)
		}
	}
	f, err := os.Create(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "genlog:", err)
		os.Exit(1)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	// Lines are one second apart; the first line's time is chosen from the
	// mean line length so that the last line lands on -end.
	n := size / meanLine(*format, *every)
	t := end.Add(-time.Duration(n) * time.Second)
	var written int64
	for i := int64(0); written < size; i++ {
		t = t.Add(time.Second)
		line := render(*format, *every, i, t)
		n, _ := w.WriteString(line)
		written += int64(n)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "genlog:", err)
		os.Exit(1)
	}
	f.Close()
}

// secrets, when > 0, plants a secret (PlantedLogSecret<n>) in one line in
// that many, in the forms the redactor must catch.
var secrets *int

var secretForms = []string{
	`level=error msg="token exchange failed" body="client_secret=PlantedLogSecret%d&grant_type=authorization_code"`,
	`level=error msg="upstream said 401" header="Authorization: Bearer PlantedLogSecret%d"`,
	`level=error msg="database unreachable: postgres://connect:PlantedLogSecret%d@db.example.com/connect"`,
	`level=error msg="refresh failed" body="{"refresh_token":"PlantedLogSecret%d"}"`,
	`level=error msg="request failed" Cookie: rscid=PlantedLogSecret%d`,
}

func meanLine(format string, every int) int64 {
	var total int64
	t := time.Now()
	for i := int64(0); i < 10000; i++ {
		total += int64(len(render(format, every, i, t)))
	}
	return total / 10000
}

func render(format string, every int, i int64, t time.Time) string {
	{
		var line string
		if secrets != nil && *secrets > 0 && i%int64(*secrets) == int64(*secrets)-1 {
			return fmt.Sprintf("time=%q ", t.Format("2006-01-02T15:04:05.000Z")) + fmt.Sprintf(secretForms[int(i/int64(*secrets))%len(secretForms)], i) + "\n"
		}
		isErr := i%int64(every) == 0
		switch format {
		case "connect":
			ts := t.Format("2006-01-02T15:04:05.000Z")
			switch {
			case isErr:
				line = fmt.Sprintf("time=%q level=error msg=\"Rejected insecure proxy authentication attempt\" request_id=%d\n", ts, i)
			case i%97 == 0:
				line = fmt.Sprintf("time=%q level=info msg=\"retrying OAuth2 discovery after error\" attempt=%d\n", ts, i%5)
			default:
				line = fmt.Sprintf("time=%q level=info msg=\"GET /content/%d/ 200\" user=user%d duration=%dms\n", ts, i%5000, i%300, i%900)
			}
		default:
			ts := t.Format("2006-01-02T15:04:05.000000Z")
			switch {
			case isErr:
				line = fmt.Sprintf("%s [rserver] ERROR OpenID failed with error: attempt to use invalid state: %016x%016x; LOGGED FROM: void rstudio::server::openid_auth::writeResponse src/cpp/server/openid_auth/ServerOpenIDAuth.cpp:145\n", ts, i, i*7919)
			case i%97 == 0:
				line = fmt.Sprintf("%s [rserver] INFO retrying after error: connection reset by peer (attempt %d)\n", ts, i%5)
			default:
				line = fmt.Sprintf("%s [rserver] INFO Session %d for user user%d started on node-%d\n", ts, i%100000, i%300, i%4)
			}
		}
		return line
	}
}
