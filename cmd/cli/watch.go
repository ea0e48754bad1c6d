package cli

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/posit-doctor/posit-doctor/checks"
	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/host"
	"github.com/posit-doctor/posit-doctor/collectors/watch"
	"github.com/posit-doctor/posit-doctor/redact"
	"github.com/posit-doctor/posit-doctor/report"
)

// WatchOptions are the flags of 'posit-doctor watch'.
type WatchOptions struct {
	Root         string
	For          time.Duration
	Bundle       string
	BundleFormat string
	args         []string
}

func newWatchCmd(env Env) *cobra.Command {
	opts := &WatchOptions{}
	cmd := &cobra.Command{
		Use:   "watch",
		Short: "Follow the product logs live while a user reproduces the problem",
		Long: `Follows the Connect log, rserver.log and the Launcher log from their current
end (a log that does not exist yet is waited for), through rotation by rename
and by copy-truncate. After the start marker on standard error, reproduce the
sign-in; each new error line is printed as it appears, redacted, with its
known cause and fix, or its template when it is not a known error. Ctrl-C (or
--for) ends the watch with a summary.

Exit codes: 0 no error line, 1 an unknown error or a known one of warn
severity, 2 a known error of fail severity, 3 no log could be followed or the
invocation was wrong. With --bundle, the support bundle holds only the lines
written during the watch, plus the usual configs and findings (the checks run
offline).`,
		Example: `  sudo posit-doctor watch
  sudo posit-doctor watch --for 2m --bundle`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.args = env.args
			return runWatch(cmd.Context(), env, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Root, "root", "/", "read the host from this directory (a mounted disk, a chroot, a fixture)")
	f.DurationVar(&opts.For, "for", 0, "end the watch after this long (default: at Ctrl-C)")
	f.StringVar(&opts.Bundle, "bundle", "", "write a redacted support bundle of the watched window: into the current directory, to PATH, or '-' for stdout")
	f.Lookup("bundle").NoOptDefVal = bundleDefault
	f.StringVar(&opts.BundleFormat, "bundle-format", "tar.gz", "support bundle format: tar.gz or zip")
	return cmd
}

// lockedWriter serialises the lines of the per-log goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) line(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	io.WriteString(l.w, s)
}

func runWatch(ctx context.Context, env Env, opts *WatchOptions) error {
	if opts.For < 0 {
		return usageError("--for %v: want a positive duration such as 2m", opts.For)
	}
	if opts.BundleFormat != "tar.gz" && opts.BundleFormat != "zip" {
		return usageError("--bundle-format %q: want tar.gz or zip", opts.BundleFormat)
	}
	out := env.Stdout
	if opts.Bundle == "-" {
		if env.IsTerminal(env.Stdout) {
			return usageError("--bundle=-: refusing to write an archive to a terminal; redirect standard output to a file (> bundle%s)", report.Extension(opts.BundleFormat))
		}
		out = env.Stderr
	} else if opts.Bundle != "" {
		if err := report.CheckTarget(opts.Bundle); err != nil {
			return usageError("--bundle %v", err)
		}
	}
	h, err := host.New(opts.Root)
	if err != nil {
		return usageError("%v", err)
	}
	h.Now = env.Now
	started := env.Now()

	// The configs say where each product logs; they are also the bundle's
	// facts. Offline: watching sends nothing anywhere.
	selected, _ := checks.Select(nil, nil)
	snap := collectors.Collect(ctx, h, collectors.Options{Since: started, Plan: checks.PlanFor(selected, true), Bundle: opts.Bundle != ""})
	var targets []watch.Target
	for _, lf := range collectors.LogTargets(h, snap) {
		if lf.Path == "" || lf.Destination == "journal" {
			fmt.Fprintln(env.Stderr, "posit-doctor watch: "+report.EscapeLine(redact.String(lf.Note)))
			continue
		}
		targets = append(targets, watch.Target{Name: lf.Name, Product: lf.Product, Path: lf.Path})
	}
	w := &lockedWriter{w: out}
	red := redact.New()
	clean := func(s string) string { return report.EscapeLine(red.String(s)) }
	onEvent := func(e watch.Event) {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s: %s\n", e.At.UTC().Format("15:04:05"), e.Target.Name, clean(e.Line))
		if s := e.Signature; s != nil {
			fmt.Fprintf(&b, "    known error %s: %s\n    cause: %s\n    fix: %s\n", s.ID, clean(s.Title), clean(s.Cause), clean(s.Remediation))
			if ref := checks.PublicReference(s.Reference); ref != "" {
				fmt.Fprintf(&b, "    see: %s\n", clean(ref))
			}
		} else {
			fmt.Fprintf(&b, "    not a known error; template: %s\n", clean(e.Template))
		}
		w.line(b.String())
	}
	wt, err := watch.Start(h, targets, watch.Options{OnEvent: onEvent, Now: env.Now})
	if err != nil {
		wt.Stop()
		return &exitError{code: report.ExitError, err: fmt.Errorf("watch: %v (is this the product host? use --root for a mounted copy)", err)}
	}
	var paths []string
	for _, win := range wt.Windows() {
		switch {
		case win.Problem != "":
			fmt.Fprintln(env.Stderr, "posit-doctor watch: "+clean(win.Problem))
		case win.Appeared:
			paths = append(paths, win.Target.Path+" (not there yet: waiting for it)")
		default:
			paths = append(paths, win.Target.Path)
		}
	}
	until := "Ctrl-C when done"
	if opts.For > 0 {
		until = fmt.Sprintf("Ctrl-C when done, or wait %v", opts.For)
	}
	fmt.Fprintf(env.Stderr, "posit-doctor watch: following %s\n>>> reproduce the sign-in now; %s <<<\n", clean(strings.Join(paths, ", ")), until)

	var timer <-chan time.Time
	if opts.For > 0 {
		t := time.NewTimer(opts.For)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-ctx.Done():
	case <-timer:
	}
	wt.Stop()
	ended := env.Now()
	fmt.Fprintf(env.Stderr, ">>> watch ended after %v <<<\n", ended.Sub(started).Round(time.Second))

	code := watchSummary(w, wt, ended.Sub(started), clean)
	if opts.Bundle != "" {
		// The watch was ended (perhaps by Ctrl-C, which cancelled ctx);
		// the bundle is still wanted, within its own deadline.
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		findings := checks.Run(bctx, snap, selected)
		rep := report.New(report.Tool{Name: "posit-doctor", Version: Version},
			report.Host{Hostname: snap.Hostname, OS: snap.OS.Display(), Root: opts.Root}, started, ended.Sub(started), findings)
		in := report.BundleInput{Snapshot: snap, Report: rep, Args: opts.args, Started: started, Ended: ended, Format: opts.BundleFormat, LogWindows: []report.LogWindow{}}
		for _, win := range wt.Windows() {
			note := win.Problem
			if win.KeptCut > 0 {
				note = fmt.Sprintf("%d lines past the %d-byte window cap were counted, not kept", win.KeptCut, len(win.Kept))
			}
			if win.Followed {
				in.LogWindows = append(in.LogWindows, report.LogWindow{Name: win.Target.Name, Path: win.Target.Path, Data: win.Kept, Note: note})
			}
		}
		runOpts := &RunOptions{Bundle: opts.Bundle, BundleFormat: opts.BundleFormat}
		if err := writeBundle(bctx, env, runOpts, in); err != nil {
			return err
		}
	}
	if code != 0 {
		return exitCode(code)
	}
	return nil
}

// watchSummary prints what the window held and returns the exit code: 2
// for a known error of fail severity, 1 for an unknown error or a known
// one of warn severity, 0 otherwise.
func watchSummary(w *lockedWriter, wt *watch.Watcher, took time.Duration, clean func(string) string) int {
	var b strings.Builder
	code := report.ExitOK
	var groups []*watch.Group
	fmt.Fprintf(&b, "\nposit-doctor watch: %v\n", took.Round(time.Second))
	for _, win := range wt.Windows() {
		if !win.Followed {
			fmt.Fprintf(&b, "  %s: not followed (%s)\n", win.Target.Name, clean(win.Problem))
			continue
		}
		fmt.Fprintf(&b, "  %s: %d new lines, %d error lines\n", win.Target.Name, win.Lines, win.Errors)
		groups = append(groups, win.Groups()...)
	}
	sort.SliceStable(groups, func(i, j int) bool { return groups[i].Count > groups[j].Count })
	for _, g := range groups {
		sev := "warn"
		what := "not a known error; template: " + clean(g.Template)
		if g.Signature != nil {
			sev = g.Signature.Severity
			what = "known error " + g.Signature.ID + ": " + clean(g.Signature.Title)
		}
		switch {
		case sev == "fail":
			code = report.ExitFail
		case sev == "warn" && code < report.ExitWarn:
			code = report.ExitWarn
		}
		fmt.Fprintf(&b, "  [%s] %d × %s (%s; first %s, last %s)\n", strings.ToUpper(sev), g.Count, what, g.Log, g.First.UTC().Format("15:04:05"), g.Last.UTC().Format("15:04:05"))
	}
	if len(groups) == 0 {
		b.WriteString("  no error line was written while watching\n")
	}
	fmt.Fprintf(&b, "(exit %d)\n", code)
	w.line(b.String())
	return code
}
