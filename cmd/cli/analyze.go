package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/posit-doctor/posit-doctor/checks"
	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/redact"
	"github.com/posit-doctor/posit-doctor/report"
)

func newAnalyzeCmd(env Env) *cobra.Command {
	var format, color string
	var only, skip []string
	cmd := &cobra.Command{
		Use:   "analyze BUNDLE",
		Short: "Run the checks again, offline, on the facts in a support bundle",
		Long: `Reads facts.json from a bundle written by 'posit-doctor run --bundle' and runs
the checks on it, printing the same report the host would give. Nothing of
this machine is looked at. Exit codes as for 'run'.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := report.ParseFormat(format)
			if err != nil {
				return usageError("%v", err)
			}
			selected, err := checks.Select(only, skip)
			if err != nil {
				return usageError("%v", err)
			}
			useCol, err := useColor(env, color, env.IsTerminal(env.Stdout))
			if err != nil {
				return usageError("%v", err)
			}
			file, err := os.Open(args[0])
			if err != nil {
				return usageError("analyze: %v", err)
			}
			defer file.Close()
			snap, man, err := report.ReadFacts(cmd.Context(), file, args[0])
			if err != nil {
				return usageError("analyze: %v; pass the .tar.gz or .zip that 'posit-doctor run --bundle' wrote", err)
			}
			if err := factsSuffice(snap, selected); err != nil {
				return usageError("analyze %s: %v", args[0], err)
			}
			findings := checks.Run(cmd.Context(), snap, selected)
			started, osName := snap.CollectedAt, snap.OS.Display()
			var dur time.Duration
			if man != nil {
				if t, err := time.Parse(time.RFC3339, man.StartedAt); err == nil {
					started = t
				}
				if e, err := time.Parse(time.RFC3339, man.EndedAt); err == nil {
					dur = e.Sub(started)
				}
			}
			version := "unknown"
			if man != nil {
				version = man.Tool.Version
			}
			rep := report.New(report.Tool{Name: "posit-doctor", Version: version}, report.Host{Hostname: snap.Hostname, OS: osName, Root: snap.Root}, started, dur, findings)
			if err := report.Write(env.Stdout, rep, f, report.Options{Color: useCol}, redact.New()); err != nil {
				return err
			}
			if c := rep.ExitCode(); c != 0 {
				return exitCode(c)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, json, markdown, sarif, junit, nagios or prometheus")
	cmd.Flags().StringSliceVar(&only, "only", nil, "run only these checks")
	cmd.Flags().StringSliceVar(&skip, "skip", nil, "skip these checks")
	cmd.Flags().StringVar(&color, "color", "auto", "colour in text output: auto, always or never")
	return cmd
}

func newRedactCmd(env Env) *cobra.Command {
	return &cobra.Command{
		Use:   "redact [FILE...]",
		Short: "Redact secrets from configs or logs (stdin to stdout when no file is given)",
		Long: `The redactor as a filter: paste its output into a ticket instead of the raw
file. Secret-named settings, passwords in URLs, tokens, JWTs, cookies, private
keys and encrypted values are replaced; the rest stays readable. A file that is
binary or has a line over 1 MiB is refused (exit 3), never copied raw.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			red := redact.New()
			if len(args) == 0 {
				if _, err := red.Copy(env.Stdout, env.Stdin, 0); err != nil {
					return &exitError{code: report.ExitError, err: fmt.Errorf("redact: standard input: %w", err)}
				}
				return nil
			}
			var failed []error
			for _, p := range args {
				f, err := os.Open(p)
				if err != nil {
					failed = append(failed, err)
					continue
				}
				if len(args) > 1 {
					fmt.Fprintf(env.Stdout, "==> %s <==\n", p)
				}
				_, err = red.Copy(env.Stdout, io.LimitReader(f, 1<<40), 0)
				f.Close()
				if err != nil {
					failed = append(failed, fmt.Errorf("%s: %w (the rest of the file was not printed)", p, err))
				}
			}
			if len(failed) > 0 {
				return &exitError{code: report.ExitError, err: fmt.Errorf("redact: %w", errors.Join(failed...))}
			}
			return nil
		},
	}
}

// factsSuffice refuses facts that cannot answer the selected checks: not a
// posit-doctor facts document at all (facts.json "{}" would otherwise judge
// to all-skip and exit 0, which a monitoring script reads as healthy), or
// one collected for other checks (a bundle made with --only).
func factsSuffice(snap *collectors.Snapshot, selected []*checks.Check) error {
	var missing []string
	if snap.Schema != collectors.SnapshotSchema {
		missing = append(missing, fmt.Sprintf("schema %q (found %q)", collectors.SnapshotSchema, snap.Schema))
	}
	if snap.CollectedAt.IsZero() {
		missing = append(missing, "collected_at")
	}
	if len(snap.Collected) == 0 && len(snap.Files) == 0 {
		missing = append(missing, "collected (the collectors that ran) and files")
	}
	if len(missing) > 0 {
		return fmt.Errorf("facts.json lacks %s, so it cannot be judged; pass a bundle written by 'posit-doctor run --bundle'", strings.Join(missing, ", "))
	}
	needs := map[collectors.Need][]string{}
	var order []collectors.Need
	var can []string
	for _, c := range selected {
		ns := checks.MissingNeeds(c, snap)
		var notCollected []collectors.Need
		for _, n := range ns {
			if _, incomplete := snap.Incomplete[n]; !incomplete {
				notCollected = append(notCollected, n) // overruns are error findings, not refusals
			}
		}
		if len(notCollected) == 0 {
			can = append(can, c.ID)
			continue
		}
		for _, n := range notCollected {
			if _, seen := needs[n]; !seen {
				order = append(order, n)
			}
			needs[n] = append(needs[n], c.ID)
		}
	}
	if len(order) == 0 {
		return nil
	}
	var parts []string
	for _, n := range order {
		parts = append(parts, fmt.Sprintf("the %s facts (for %s)", n, strings.Join(needs[n], ", ")))
	}
	hint := "make a new bundle without --only/--skip"
	if len(can) > 0 {
		hint = "run analyze --only " + strings.Join(can, ",") + ", or " + hint
	}
	return fmt.Errorf("facts.json lacks %s: the run that made it did not select those checks; %s", strings.Join(parts, "; "), hint)
}
