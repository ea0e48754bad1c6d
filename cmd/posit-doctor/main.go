// Command posit-doctor diagnoses single sign-on and user provisioning on
// Posit Connect and Posit Workbench hosts. See README.md.
package main

import (
	"os"

	"github.com/posit-doctor/posit-doctor/cmd/cli"
)

func main() { os.Exit(cli.Main(cli.OSEnv(), os.Args[1:])) }
