package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/posit-doctor/posit-doctor/redact"
	"github.com/posit-doctor/posit-doctor/report"
	"github.com/posit-doctor/posit-doctor/report/compare"
)

func newCompareCmd(env Env) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "compare BUNDLE BUNDLE...",
		Short: "Show what differs between the nodes of a cluster, from their support bundles",
		Long: `Reads two or more bundles written by 'posit-doctor run --bundle' (one per
node) and lists what differs between nodes that must or should agree: the
Workbench secure-cookie-key (by the CRC32 Workbench prints in every encrypted
value), the OpenID client and issuer, rserver.conf auth and provisioning
settings, workbench-nss.conf; Connect's database, storage, Server.Address and
provider; other settings, redacted config file hashes, versions, OS, nsswitch,
clock offsets and findings seen on some nodes only. Only what the bundles
carry is used, and they carry no secret.

Exit codes: 0 no drift, 1 drift in what should agree, 2 drift in what must
agree, 3 a bundle is unreadable, not posit-doctor's, damaged or of another
schema version (the reason is printed).`,
		Example: `  posit-doctor compare node1.tar.gz node2.tar.gz node3.tar.gz
  posit-doctor compare --format json posit-doctor-bundles/*.tar.gz`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return usageError("compare needs two or more bundles (one per node), got %d", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			switch format {
			case compare.FormatText, compare.FormatJSON, compare.FormatMarkdown:
			default:
				return usageError("compare: unknown --format %q: text, json or markdown", format)
			}
			var bundles []*report.Bundle
			var bad []string
			for _, p := range args {
				b, err := readBundleFile(cmd, p)
				if err != nil {
					bad = append(bad, err.Error())
					continue
				}
				bundles = append(bundles, b)
			}
			if len(bad) > 0 {
				return &exitError{code: report.ExitError, err: fmt.Errorf("compare: %d of %d bundle(s) cannot be used, so nothing was compared:\n  %s\n(pass the .tar.gz or .zip files that 'posit-doctor run --bundle' wrote, one per node)", len(bad), len(args), strings.Join(bad, "\n  "))}
			}
			res := compare.Compare(bundles)
			if err := compare.Write(env.Stdout, res, format, redact.New()); err != nil {
				return err
			}
			if c := res.ExitCode(); c != 0 {
				return exitCode(c)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, json or markdown")
	return cmd
}

// readBundleFile opens a bundle given on the command line: a regular file
// only (a FIFO or device would hang or never end).
func readBundleFile(cmd *cobra.Command, p string) (*report.Bundle, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", p, errors.Unwrap(err))
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file (%v)", p, fi.Mode().Type())
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", p, err)
	}
	defer f.Close()
	return report.ReadBundle(cmd.Context(), f, p)
}
