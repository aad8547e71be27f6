package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
)

// Direction says how a row's ratio is judged against its target.
type Direction string

const (
	AtLeast Direction = ">=" // ratio must be at least Target (throughput)
	AtMost  Direction = "<=" // ratio must be at most Target (memory, latency, growth, round trips)
	Info    Direction = ""   // no limit: reported only
)

// Row is one line of the table: a figure, what it is held against, and the
// ratio value/limit judged against the target.
type Row struct {
	ID        string    `json:"id"` // stable key, e.g. verify_1024MiB_MBps
	What      string    `json:"what"`
	Value     float64   `json:"value"`
	Unit      string    `json:"unit"`
	Limit     float64   `json:"limit,omitempty"`
	LimitWhat string    `json:"limitWhat,omitempty"`
	Ratio     float64   `json:"ratio,omitempty"`
	Direction Direction `json:"direction,omitempty"`
	Target    float64   `json:"target,omitempty"`
	Pass      *bool     `json:"pass,omitempty"` // nil for Info rows
}

// judged fills Ratio and Pass from Value, Limit, Direction and Target.
func judged(r Row) Row {
	if r.Direction == Info || r.Limit == 0 {
		r.Direction, r.Pass = Info, nil
		return r
	}
	r.Ratio = r.Value / r.Limit
	ok := r.Ratio >= r.Target
	if r.Direction == AtMost {
		ok = r.Ratio <= r.Target
	}
	r.Pass = &ok
	return r
}

// Report is one run of the benchmark.
type Report struct {
	Started  time.Time `json:"started"`
	Seconds  float64   `json:"seconds"`
	Machine  Machine   `json:"machine"`
	Settings Config    `json:"settings"`
	Rows     []Row     `json:"rows"`
}

// Failed lists the rows that missed their target.
func (r *Report) Failed() []Row {
	var out []Row
	for _, row := range r.Rows {
		if row.Pass != nil && !*row.Pass {
			out = append(out, row)
		}
	}
	return out
}

func (r *Report) add(rows ...Row) {
	for _, row := range rows {
		r.Rows = append(r.Rows, judged(row))
	}
}

// Print writes the table.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "bwv-ingest bench, %s, %.0f s; %s\n", r.Started.UTC().Format(time.RFC3339), r.Seconds, r.Machine)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "figure\tvalue\tlimit\tratio\ttarget\t")
	for _, row := range r.Rows {
		limit, ratio, target, verdict := "-", "-", "-", ""
		if row.Direction != Info {
			limit = fmt.Sprintf("%s %s (%s)", num(row.Limit), row.Unit, row.LimitWhat)
			ratio = fmt.Sprintf("%.2f", row.Ratio)
			target = fmt.Sprintf("%s %.2f", row.Direction, row.Target)
			verdict = "ok"
			if !*row.Pass {
				verdict = "MISSED"
			}
		} else if row.LimitWhat != "" {
			limit = row.LimitWhat
		}
		fmt.Fprintf(tw, "%s\t%s %s\t%s\t%s\t%s\t%s\n", row.What, num(row.Value), row.Unit, limit, ratio, target, verdict)
	}
	tw.Flush()
}

// num prints a figure with the precision it deserves.
func num(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// WriteJSON writes the report to path (directories created).
func (r *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// Machine describes where the figures were measured.
type Machine struct {
	CPU   string `json:"cpu"`
	Cores int    `json:"cores"`
	SHANI bool   `json:"shaNI"`
	MemGB int    `json:"memGB"`
	Go    string `json:"go"`
	Load1 string `json:"load1"` // 1-minute load average at the start
}

func (m Machine) String() string {
	sha := "no SHA-NI"
	if m.SHANI {
		sha = "SHA-NI"
	}
	return fmt.Sprintf("%s, %d cores, %s, %d GB, %s, load %s at start", m.CPU, m.Cores, sha, m.MemGB, m.Go, m.Load1)
}

func fileField(path, key string) string {
	b, _ := os.ReadFile(path)
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
