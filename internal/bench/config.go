package bench

import (
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

// CodeBadSetting is a BWV_BENCH_* value that is not a positive number (or
// list of them).
const CodeBadSetting reason.Code = "BENCH_SETTING_INVALID"

// CodeFailed is a benchmark step that could not run (a service did not
// start, the handler refused a call, a clip did not reach verified).
const CodeFailed reason.Code = "BENCH_STEP_FAILED"

// Config is the size of every measurement. Defaults are the sizes;
// each is set by the environment variable named in its comment.
type Config struct {
	VerifyMiB         []int `json:"verifyMiB"`         // BWV_BENCH_VERIFY_MIB: clip sizes, comma-separated (1024,2048)
	RangeMiB          int   `json:"rangeMiB"`          // BWV_VERIFY_RANGE_MIB given to the handler (16)
	Parallelism       int   `json:"parallelism"`       // BWV_VERIFY_PARALLELISM given to the handler (4)
	IngestClips       int   `json:"ingestClips"`       // BWV_BENCH_INGEST_CLIPS: new clips per ingest run (5000)
	IngestConcurrency int   `json:"ingestConcurrency"` // BWV_BENCH_INGEST_CONCURRENCY (8)
	SweepClips        int   `json:"sweepClips"`        // BWV_BENCH_SWEEP_CLIPS: due clips deleted (10000)
	GrowthBase        int   `json:"growthBase"`        // BWV_BENCH_GROWTH_BASE: the 1× of the growth runs (250; then 4× and 16×)
	LatencyLevels     []int `json:"latencyLevels"`     // BWV_BENCH_LATENCY_LEVELS: concurrent uploads (1,8,32)
	LatencyUploads    int   `json:"latencyUploads"`    // BWV_BENCH_LATENCY_UPLOADS: uploads timed at each level (32; p99 of 32 is their maximum)
	LatencyClipKiB    int   `json:"latencyClipKiB"`    // BWV_BENCH_LATENCY_CLIP_KIB (1024)
	StartRuns         int   `json:"startRuns"`         // BWV_BENCH_START_RUNS: handler starts timed (10)
}

// DefaultConfig is the full benchmark of the issue.
func DefaultConfig() Config {
	return Config{
		VerifyMiB: []int{1024, 2048}, RangeMiB: 16, Parallelism: 4,
		IngestClips: 5000, IngestConcurrency: 8, SweepClips: 10000, GrowthBase: 250,
		LatencyLevels: []int{1, 8, 32}, LatencyUploads: 32, LatencyClipKiB: 1024, StartRuns: 10,
	}
}

// ConfigFromEnv is DefaultConfig with BWV_BENCH_* (and the two verify
// settings) applied; a value that is not a positive integer is refused
// with CodeBadSetting, naming the variable.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := DefaultConfig()
	ints := []struct {
		name string
		p    *int
	}{
		{"BWV_VERIFY_RANGE_MIB", &c.RangeMiB}, {"BWV_VERIFY_PARALLELISM", &c.Parallelism},
		{"BWV_BENCH_INGEST_CLIPS", &c.IngestClips}, {"BWV_BENCH_INGEST_CONCURRENCY", &c.IngestConcurrency},
		{"BWV_BENCH_SWEEP_CLIPS", &c.SweepClips}, {"BWV_BENCH_GROWTH_BASE", &c.GrowthBase},
		{"BWV_BENCH_LATENCY_UPLOADS", &c.LatencyUploads}, {"BWV_BENCH_LATENCY_CLIP_KIB", &c.LatencyClipKiB},
		{"BWV_BENCH_START_RUNS", &c.StartRuns},
	}
	for _, f := range ints {
		if v := getenv(f.name); v != "" {
			n, err := positive(f.name, v)
			if err != nil {
				return c, err
			}
			*f.p = n
		}
	}
	lists := []struct {
		name string
		p    *[]int
	}{{"BWV_BENCH_VERIFY_MIB", &c.VerifyMiB}, {"BWV_BENCH_LATENCY_LEVELS", &c.LatencyLevels}}
	for _, f := range lists {
		if v := getenv(f.name); v != "" {
			var out []int
			for _, part := range strings.Split(v, ",") {
				n, err := positive(f.name, strings.TrimSpace(part))
				if err != nil {
					return c, err
				}
				out = append(out, n)
			}
			*f.p = out
		}
	}
	return c, nil
}

func positive(name, v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, reason.Errorf(CodeBadSetting, nil, "%s=%q: want a positive whole number", name, v)
	}
	return n, nil
}

func describeMachine() Machine {
	m := Machine{CPU: fileField("/proc/cpuinfo", "model name"), Cores: runtime.NumCPU(), Go: runtime.Version()}
	m.SHANI = strings.Contains(" "+fileField("/proc/cpuinfo", "flags")+" ", " sha_ni ")
	if kb, err := strconv.ParseInt(strings.Fields(fileField("/proc/meminfo", "MemTotal") + " 0")[0], 10, 64); err == nil {
		m.MemGB = int((kb + 1<<19) >> 20)
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		m.Load1 = strings.Fields(string(b))[0]
	}
	if m.CPU == "" {
		m.CPU = runtime.GOARCH
	}
	return m
}

func failf(cause error, format string, args ...any) error {
	return reason.Errorf(CodeFailed, cause, format, args...)
}
