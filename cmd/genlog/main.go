// Command genlog writes a synthetic Posit product log for benchmarks:
//
//	go run ./cmd/genlog -format workbench|connect -size 256MiB -end RFC3339 \
//	    -error 0.01 -warn 0.25 -debug 0.1 FILE
//
// Lines are one second apart and the last one is exactly at -end. Levels
// are drawn at the given shares (the rest INFO), messages in the shapes of
// real Workbench and Connect lines with varying users, IDs, paths and
// numbers; some INFO lines mention "error", as real logs do. It prints
// what it wrote (lines, error and warning lines, first and last time) on
// stderr; 'grep -c -F' of loggen.GrepPattern counts the error lines.
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/posit-doctor/posit-doctor/collectors/logs/loggen"
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
	errShare := flag.Float64("error", 0.001, "share of ERROR lines (0..1)")
	warnShare := flag.Float64("warn", 0.25, "share of WARNING lines (0..1)")
	debugShare := flag.Float64("debug", 0.10, "share of DEBUG lines (0..1)")
	every := flag.Int("every", 0, "one error line in this many (sets -error to 1/N; kept for old scripts)")
	secrets := flag.Int("secrets", 0, "one line in this many carries a planted secret (0: none)")
	seed := flag.Uint64("seed", 1, "random seed")
	pattern := flag.Bool("pattern", false, "print the fixed string 'grep -c -F' counts as the format's error lines, and exit")
	flag.Parse()
	if *pattern {
		fmt.Println(loggen.GrepPattern(*format))
		return
	}
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: genlog [-format workbench|connect] [-size 256MiB] [-end RFC3339] [-error 0.001] [-warn 0.25] [-debug 0.1] FILE")
		os.Exit(2)
	}
	size, err := parseSize(*sizeFlag)
	if err != nil {
		fmt.Fprintln(os.Stderr, "genlog: -size:", err)
		os.Exit(2)
	}
	if *format != "workbench" && *format != "connect" {
		fmt.Fprintf(os.Stderr, "genlog: -format %q: want workbench or connect\n", *format)
		os.Exit(2)
	}
	if *every > 0 {
		*errShare = 1 / float64(*every)
	}
	if *errShare < 0 || *warnShare < 0 || *debugShare < 0 || *errShare+*warnShare+*debugShare > 1 {
		fmt.Fprintln(os.Stderr, "genlog: -error, -warn and -debug are shares between 0 and 1 and add up to at most 1")
		os.Exit(2)
	}
	end := time.Now().UTC().Truncate(time.Second)
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
	st, err := loggen.Write(f, loggen.Config{Format: *format, Size: size, End: end,
		Error: *errShare, Warn: *warnShare, Debug: *debugShare, Secrets: *secrets, Seed: *seed})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genlog:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "genlog: %s: %d lines, %d error, %d warning, %s .. %s\n", flag.Arg(0), st.Lines, st.Errors, st.Warnings,
		st.First.UTC().Format(time.RFC3339), st.Last.UTC().Format(time.RFC3339))
}
