package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"sort"
	"time"
)

//go:embed report.html.tmpl
var pageText string

var page = template.Must(template.New("report").Parse(pageText))

// palette is Okabe and Ito's colour-blind-safe set; stations cycle through
// it, and every segment's number is in the table below the chart too.
var palette = []string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"}

// Render writes the page of d to w.
func Render(w io.Writer, d Data) error {
	return page.Execute(w, viewOf(d))
}

type view struct {
	Day, Generated, Source, From string
	Stations                     []station
	Recorded                     stackChart
	RecordedRows                 []dayRow
	RecordedTotal                int
	Rejected                     []hbar
	RejectedClips                int
	RejectedHeight               int
	Due                          columnChart
	Tiles                        []tile
	Storage                      StorageCounts
}

type station struct {
	Name, Color string
	Total       int
}

type dayRow struct {
	Day   string
	Cells []cell
	Total int
}

type cell struct {
	Station string
	N       int
}

// rect is one SVG bar (or bar segment) with its tooltip.
type rect struct {
	X, Y, W, H float64
	Fill       string
	Title      string
}

// label is one SVG text.
type label struct {
	X, Y   float64
	Text   string
	Anchor string
}

type stackChart struct {
	Width, Height int
	Rects         []rect
	Labels        []label
	AxisY         float64
	Max           int
}

type hbar struct {
	Label string
	N     int
	Y, W  float64
	TextY float64
}

type columnChart struct {
	Width, Height int
	Columns       []column
	AxisY         float64
}

type column struct {
	Key, Label string
	N          int
	Rect       rect
	Value      label
	Name       label
}

type tile struct {
	Metric, Label, Note string
	N                   int
	Alert               bool
}

const (
	chartW, chartH = 960, 260
	padL, padR     = 40, 10
	padT, padB     = 16, 40
)

func viewOf(d Data) view {
	v := view{Day: DayKey(d.Day), Generated: d.Generated.Format(time.RFC3339), Source: d.Source, Storage: d.Storage}
	if len(d.Days) > 0 {
		v.From = DayKey(d.Days[0])
	}
	colors := map[string]string{}
	totals := map[string]int{}
	for i, s := range d.Stations {
		colors[s] = palette[i%len(palette)]
	}
	maxDay := 0
	for _, day := range d.Days {
		k := DayKey(day)
		row := dayRow{Day: k}
		for _, s := range d.Stations {
			n := d.Recorded[k][s]
			row.Cells = append(row.Cells, cell{Station: s, N: n})
			row.Total += n
			totals[s] += n
		}
		v.RecordedTotal += row.Total
		maxDay = max(maxDay, row.Total)
		v.RecordedRows = append(v.RecordedRows, row)
	}
	for _, s := range d.Stations {
		v.Stations = append(v.Stations, station{Name: s, Color: colors[s], Total: totals[s]})
	}
	v.Recorded = stackOf(v.RecordedRows, colors, maxDay)

	codes := make([]string, 0, len(d.Rejections))
	for c := range d.Rejections {
		codes = append(codes, c)
	}
	sort.Slice(codes, func(i, j int) bool {
		a, b := d.Rejections[codes[i]], d.Rejections[codes[j]]
		if a != b {
			return a > b
		}
		return codes[i] < codes[j]
	})
	maxRej := 0
	for _, c := range codes {
		maxRej = max(maxRej, d.Rejections[c])
	}
	for i, c := range codes {
		n := d.Rejections[c]
		v.Rejected = append(v.Rejected, hbar{Label: c, N: n, Y: float64(i*28 + 4), TextY: float64(i*28 + 20), W: scale(n, maxRej, 560)})
	}
	v.RejectedClips = d.RejectedClips
	v.RejectedHeight = max(len(codes)*28+8, 36)

	cols := []column{{Key: "by", Label: "by " + DayKey(d.Day), N: d.DueByDay}}
	for _, day := range d.DueDays {
		cols = append(cols, column{Key: DayKey(day), Label: DayKey(day), N: d.Due[DayKey(day)]})
	}
	v.Due = columnsOf(cols)

	v.Tiles = []tile{
		{Metric: "legal-holds", Label: "On legal hold", N: d.LegalHolds, Note: "never deleted while held"},
		{Metric: "held-until-released", Label: "Held until released", N: d.HeldUntilRelease, Note: "kept until a person releases them"},
		{Metric: "pending-releases", Label: "Pending releases", N: d.PendingReleases, Note: "an earlier deletion date waiting for its grace", Alert: d.PendingReleases > 0},
		{Metric: "review-flags", Label: "Flagged for review", N: d.ReviewFlags, Note: "a schedule a person should check", Alert: d.ReviewFlags > 0},
		{Metric: "verify-queue", Label: "Waiting to verify", N: d.Storage.VerifyMessages, Note: "queue " + d.Storage.VerifyQueue + " (approximate)"},
		{Metric: "poison", Label: "Poison messages", N: d.Storage.PoisonMessages, Note: "queue " + d.Storage.PoisonQueue + ": need an operator", Alert: d.Storage.PoisonMessages > 0},
		{Metric: "dead-letters", Label: "Dead-lettered events", N: d.Storage.DeadLetters - d.Storage.DeadLettersReplayed,
			Note:  fmt.Sprintf("not yet replayed, container %s (%d in all, %d replayed)", d.Storage.DeadLetterContainer, d.Storage.DeadLetters, d.Storage.DeadLettersReplayed),
			Alert: d.Storage.DeadLetters > d.Storage.DeadLettersReplayed},
	}
	if !d.Storage.DeadLetterContainerOK {
		v.Tiles[len(v.Tiles)-1].Note = "container " + d.Storage.DeadLetterContainer + " does not exist"
	}
	return v
}

// scale maps n of max onto length (0 when max is 0; at least 2 for n > 0
// so a small count stays visible).
func scale(n, maxN int, length float64) float64 {
	if maxN == 0 || n == 0 {
		return 0
	}
	return max(float64(n)*length/float64(maxN), 2)
}

func stackOf(rows []dayRow, colors map[string]string, maxDay int) stackChart {
	ch := stackChart{Width: chartW, Height: chartH, AxisY: chartH - padB, Max: maxDay}
	if len(rows) == 0 {
		return ch
	}
	plotH := float64(chartH - padT - padB)
	step := float64(chartW-padL-padR) / float64(len(rows))
	for i, r := range rows {
		x := padL + float64(i)*step
		y := ch.AxisY
		for _, c := range r.Cells {
			if c.N == 0 {
				continue
			}
			h := scale(c.N, maxDay, plotH)
			y -= h
			ch.Rects = append(ch.Rects, rect{X: x + 2, Y: y, W: step - 4, H: h, Fill: colors[c.Station],
				Title: fmt.Sprintf("%s %s: %d", r.Day, c.Station, c.N)})
		}
		if r.Total > 0 {
			ch.Labels = append(ch.Labels, label{X: x + step/2, Y: y - 3, Text: fmt.Sprint(r.Total), Anchor: "middle"})
		}
		if i%5 == 0 || i == len(rows)-1 {
			ch.Labels = append(ch.Labels, label{X: x + step/2, Y: ch.AxisY + 16, Text: r.Day[5:], Anchor: "middle"})
		}
	}
	return ch
}

func columnsOf(cols []column) columnChart {
	const w, h = 960, 200
	ch := columnChart{Width: w, Height: h, AxisY: h - 36}
	maxN := 0
	for _, c := range cols {
		maxN = max(maxN, c.N)
	}
	step := float64(w-padL-padR) / float64(len(cols))
	plotH := ch.AxisY - padT - 4
	for i, c := range cols {
		x := padL + float64(i)*step
		bh := scale(c.N, maxN, plotH)
		fill := "#0072B2"
		if c.Key == "by" {
			fill = "#D55E00"
		}
		c.Rect = rect{X: x + 8, Y: ch.AxisY - bh, W: step - 16, H: bh, Fill: fill, Title: fmt.Sprintf("%s: %d", c.Label, c.N)}
		c.Value = label{X: x + step/2, Y: ch.AxisY - bh - 4, Text: fmt.Sprint(c.N), Anchor: "middle"}
		c.Name = label{X: x + step/2, Y: ch.AxisY + 18, Text: c.Label, Anchor: "middle"}
		ch.Columns = append(ch.Columns, c)
	}
	return ch
}
