package residencygate

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteOffenders prints the findings as a table a person can act on.
func WriteOffenders(w io.Writer, findings []Finding) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RESOURCE\tATTRIBUTE\tVALUE\tREASON\tWHY")
	for _, f := range findings {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.Address, f.Attribute, f.Value, f.Reason, f.Reason.Text())
	}
	return tw.Flush()
}

// WriteJSON writes the evidence as indented JSON.
func (ev *Evidence) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(ev)
}

// WriteMarkdown writes the evidence as a Markdown report.
func (ev *Evidence) WriteMarkdown(w io.Writer) error {
	verdict := "PASSED: every resource, replica and sink is in an allowed region."
	if !ev.Passed {
		verdict = fmt.Sprintf("REFUSED: %d finding(s).", len(ev.Findings))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Residency evidence (%s)\n\n", ev.Source)
	fmt.Fprintf(&b, "- generated: %s\n", ev.GeneratedAt.Format("2006-01-02T15:04:05Z"))
	if ev.Tool != "" {
		fmt.Fprintf(&b, "- produced by: terraform/tofu %s\n", ev.Tool)
	}
	fmt.Fprintf(&b, "- allowed regions: %s\n", strings.Join(ev.AllowedRegions, ", "))
	if len(ev.TrustedSinks) > 0 {
		fmt.Fprintf(&b, "- sinks vouched for by the operator: %s\n", strings.Join(ev.TrustedSinks, ", "))
	}
	fmt.Fprintf(&b, "- verdict: **%s**\n\n", verdict)

	if len(ev.Findings) > 0 {
		b.WriteString("## Findings\n\n| resource | attribute | value | reason |\n| --- | --- | --- | --- |\n")
		for _, f := range ev.Findings {
			fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s: %s |\n", f.Address, f.Attribute, md(f.Value), f.Reason, f.Reason.Text())
		}
		b.WriteString("\n")
	}

	b.WriteString("## Resources\n\n| resource | action | region(s) | sinks |\n| --- | --- | --- | --- |\n")
	for _, r := range ev.Resources {
		var regions []string
		for _, u := range r.Regions {
			s := fmt.Sprintf("%s `%s`", orUnknown(u.Region), u.Attribute)
			if u.Note != "" {
				s += " (" + u.Note + ")"
			}
			if !u.Allowed {
				s += " **not allowed**"
			}
			regions = append(regions, s)
		}
		if len(regions) == 0 {
			if r.Inherits != nil {
				regions = append(regions, fmt.Sprintf("%s (inherited from `%s`)", r.Inherits.Region, r.Inherits.From))
			} else {
				regions = append(regions, "no region of its own")
			}
		}
		var sinks []string
		for _, s := range r.Sinks {
			where := orUnknown(s.Region)
			if s.Via != "" {
				where += " via `" + s.Via + "`"
			}
			sinks = append(sinks, fmt.Sprintf("`%s` → %s: %s", s.Attribute, where, s.Status))
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", r.Address, r.Action, strings.Join(regions, "<br>"), strings.Join(sinks, "<br>"))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func orUnknown(region string) string {
	if region == "" {
		return "(unknown)"
	}
	return region
}

func md(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
