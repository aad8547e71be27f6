package localrun

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Progress draws an upload progress bar. On a terminal it redraws one line
// in place; elsewhere (CI logs) it prints a line every 25%, so logs stay
// readable.
type Progress struct {
	w     io.Writer
	label string
	total int64
	done  atomic.Int64
	start time.Time
	tty   bool

	stopOnce sync.Once
	stop     chan struct{}
	stopped  chan struct{}
	lastPct  int
}

// NewProgress starts drawing on w for total bytes.
func NewProgress(w io.Writer, label string, total int64) *Progress {
	p := &Progress{w: w, label: label, total: total, start: time.Now(), tty: isTerminal(w),
		stop: make(chan struct{}), stopped: make(chan struct{}), lastPct: -1}
	go p.loop()
	return p
}

// Add counts n more bytes as sent.
func (p *Progress) Add(n int64) {
	if p != nil {
		p.done.Add(n)
	}
}

// Done draws the final state and stops.
func (p *Progress) Done() {
	if p == nil {
		return
	}
	p.stopOnce.Do(func() { close(p.stop) })
	<-p.stopped
}

func (p *Progress) loop() {
	defer close(p.stopped)
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			p.draw(true)
			return
		case <-t.C:
			p.draw(false)
		}
	}
}

func (p *Progress) draw(final bool) {
	done := p.done.Load()
	pct := 100
	if p.total > 0 {
		pct = int(done * 100 / p.total)
	}
	secs := time.Since(p.start).Seconds()
	rate := float64(done) / 1e6 / max(secs, 1e-6)
	const width = 30
	fill := pct * width / 100
	line := fmt.Sprintf("%s [%s%s] %3d%% %s/%s %.0f MB/s", p.label, strings.Repeat("#", fill), strings.Repeat(".", width-fill),
		pct, MiB(done), MiB(p.total), rate)
	if p.tty {
		end := ""
		if final {
			end = "\n"
		}
		fmt.Fprintf(p.w, "\r%s%s", line, end)
		return
	}
	if final || pct/25 > p.lastPct/25 || p.lastPct < 0 {
		if final && p.lastPct == pct {
			return
		}
		p.lastPct = pct
		fmt.Fprintln(p.w, line)
	}
}

// MiB formats a byte count for people.
func MiB(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
