package cli

import (
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// Command returns posit-doctor's command tree as the binary builds it,
// for what is generated from it at build time (man pages, shell
// completions in the packages). Its streams are discarded; nothing is run.
func Command() *cobra.Command {
	env := Env{
		Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard,
		IsTerminal: func(io.Writer) bool { return false },
		Getenv:     func(string) string { return "" },
		Now:        time.Now,
	}
	root := newRootCmd(env)
	// Cobra adds these when it executes; generate their pages too.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	return root
}
