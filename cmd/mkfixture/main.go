// Command mkfixture builds a fixture host from testdata/hosts into a
// directory, with the modes, owners, FIFOs and links git cannot store:
//
//	go run ./cmd/mkfixture [-hosts testdata/hosts] SCENARIO DEST
//
// 'make run' uses it to give posit-doctor a realistic host to inspect.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/posit-doctor/posit-doctor/collectors/host/hostfixture"
)

func main() {
	hosts := flag.String("hosts", "testdata/hosts", "directory holding the fixture scenarios")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: mkfixture [-hosts DIR] SCENARIO DEST")
		os.Exit(2)
	}
	dst := flag.Arg(1)
	if err := os.RemoveAll(dst); err != nil {
		fmt.Fprintln(os.Stderr, "mkfixture:", err)
		os.Exit(1)
	}
	res, err := hostfixture.Build(*hosts, flag.Arg(0), dst)
	for _, s := range res.Skipped {
		fmt.Fprintln(os.Stderr, "mkfixture: skipped:", s)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkfixture:", err)
		os.Exit(1)
	}
}
