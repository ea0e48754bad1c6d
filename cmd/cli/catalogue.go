package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/posit-doctor/posit-doctor/checks"
)

type ruleJSON struct {
	ID     string `json:"id"`
	Level  string `json:"level"`
	Text   string `json:"text"`
	Source string `json:"source"`
}

type checkJSON struct {
	ID          string     `json:"id"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Rules       []ruleJSON `json:"rules"`
	Docs        []string   `json:"docs"`
}

func describe(c *checks.Check) checkJSON {
	j := checkJSON{ID: c.ID, Title: c.Title, Description: oneParagraph(c.Description), Docs: c.Docs, Rules: []ruleJSON{}}
	for _, r := range c.Rules {
		j.Rules = append(j.Rules, ruleJSON{ID: r.ID, Level: r.Level, Text: r.Text, Source: r.Reference()})
	}
	return j
}

func oneParagraph(s string) string { return strings.Join(strings.Fields(s), " ") }

func newListCmd(env Env) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the check catalogue with the document rules each enforces",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			all := checks.All()
			switch format {
			case "json":
				out := make([]checkJSON, 0, len(all))
				for _, c := range all {
					out = append(out, describe(c))
				}
				enc := json.NewEncoder(env.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			case "text":
				tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tRULES\tTITLE")
				for _, c := range all {
					fmt.Fprintf(tw, "%s\t%d\t%s\n", c.ID, len(c.Rules), c.Title)
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				fmt.Fprintln(env.Stdout, "\nRun 'posit-doctor explain ID' for a check's rules and their sources.")
				return nil
			}
			return usageError("--format %q: want text or json", format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}

func newExplainCmd(env Env) *cobra.Command {
	return &cobra.Command{
		Use:   "explain CHECK-ID",
		Short: "Explain what a check looks at, why, the document rules it enforces and the fix",
		Args:  cobra.ExactArgs(1),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return checks.IDs(), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			c, ok := checks.ByID(args[0])
			if !ok {
				return usageError("%v", &checks.UnknownIDError{Flag: "explain", Unknown: []string{args[0]}})
			}
			w := env.Stdout
			fmt.Fprintf(w, "%s: %s\n\n", c.ID, c.Title)
			fmt.Fprintln(w, strings.TrimSpace(c.Description))
			fmt.Fprintln(w, "\nRules enforced (each with the public Posit document that states it):")
			for _, r := range c.Rules {
				fmt.Fprintf(w, "  - %s [%s]: %s\n    source: %s\n", r.ID, r.Level, r.Text, r.Reference())
			}
			if len(c.Docs) > 0 {
				fmt.Fprintln(w, "\nPosit documentation:")
				for _, d := range c.Docs {
					fmt.Fprintf(w, "  - %s\n", d)
				}
			}
			fmt.Fprintf(w, "\nRun it alone: posit-doctor run --only %s\n", c.ID)
			return nil
		},
	}
}
