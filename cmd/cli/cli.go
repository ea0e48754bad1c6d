// Package cli holds posit-doctor's cobra commands. Main is what the binary
// runs; tests call it with their own streams, clock and TTY answer.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/posit-doctor/posit-doctor/collectors/probe"
	"github.com/posit-doctor/posit-doctor/redact"
	"github.com/posit-doctor/posit-doctor/report"
)

// Set by the Makefile through -ldflags "-X".
var (
	Version = "dev"
	Commit  = "none"
	Date    = "unknown"
)

// Env is everything a command touches outside its arguments.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// IsTerminal reports whether w is a terminal (for colour decisions).
	IsTerminal func(w io.Writer) bool
	Getenv     func(string) string
	Now        func() time.Time
	// Signals, when set, ends a run early as SIGINT/SIGTERM would.
	Signals context.Context
	// ProbeConfig, when set, adjusts the network prober (tests give it a
	// resolver that maps names to 127.0.0.1 and their own roots).
	ProbeConfig func(*probe.Config)
	// BeforeCollector, when set, is called as each collector starts, with
	// its name (collectors.Options.BeforeCollector): tests see what a
	// command collected.
	BeforeCollector func(name string)

	args []string // set by Main: the command line, for bundle manifests
}

// OSEnv is the real process environment.
func OSEnv() Env {
	return Env{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		IsTerminal: func(w io.Writer) bool {
			f, ok := w.(*os.File)
			return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
		},
		Getenv: os.Getenv,
		Now:    time.Now,
	}
}

// exitError carries an exit code with a message printed once by Main.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// exitCode is returned by a command that printed its own output and only
// needs to set the status.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit %d", int(e)) }

// usageError marks an invocation mistake (exit 3, per the contract).
func usageError(format string, a ...any) error {
	return &exitError{code: report.ExitError, err: fmt.Errorf(format, a...)}
}

// Main runs posit-doctor with args (without the program name) and returns
// the exit status. It is the only place that decides what an error prints.
func Main(env Env, args []string) int {
	if env.Signals == nil {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		env.Signals = ctx
	}
	env.args = append([]string{"posit-doctor"}, args...)
	root := newRootCmd(env)
	root.SetArgs(args)
	err := root.ExecuteContext(env.Signals)
	if err == nil {
		return 0
	}
	var code exitCode
	if errors.As(err, &code) {
		return int(code)
	}
	// Error messages can quote flags and file contents (a --url with a
	// password in it): they leave through the redactor like everything else.
	var ee *exitError
	if errors.As(err, &ee) {
		fmt.Fprintln(env.Stderr, "posit-doctor: "+report.EscapeText(redact.String(ee.err.Error())))
		return ee.code
	}
	// Cobra's own flag and argument errors are invocation errors.
	fmt.Fprintln(env.Stderr, "posit-doctor: "+report.EscapeText(redact.String(err.Error())))
	fmt.Fprintln(env.Stderr, "Run 'posit-doctor --help' for usage.")
	return report.ExitError
}

func newRootCmd(env Env) *cobra.Command {
	root := &cobra.Command{
		Use:   "posit-doctor",
		Short: "Diagnose single sign-on and user provisioning on Posit Connect and Workbench hosts",
		Long: `posit-doctor inspects a Posit Connect and/or Posit Workbench host: TLS on the
front door, OpenID issuer reachability, redirect-URI whitespace, secret file
modes, pwb in nsswitch, nscd caching, errors in the product logs and the rules
of the Posit documents. It only reads; it never changes the host.

Exit codes: 0 nothing worse than info, 1 warn, 2 fail, 3 a check could not run
or the invocation was wrong, 130 interrupted.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	root.SetIn(env.Stdin)
	root.AddCommand(newRunCmd(env), newAnalyzeCmd(env), newCompareCmd(env), newWatchCmd(env), newRedactCmd(env), newListCmd(env), newExplainCmd(env), newVersionCmd(env))
	return root
}

func newVersionCmd(env Env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print version, commit and build date",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(env.Stdout, "posit-doctor %s (commit %s, built %s)\n", Version, Commit, Date)
			return nil
		},
	}
}
