package devhost

import "sync"

// hostStats counts invocation outcomes per function, for /admin/host/status
// and tests.
type hostStats struct {
	mu  sync.Mutex
	fns map[string]*FunctionStats
}

// FunctionStats are one function's counts since the host started.
type FunctionStats struct {
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
	Poisoned  int `json:"poisoned,omitempty"`
}

func newHostStats() *hostStats { return &hostStats{fns: map[string]*FunctionStats{}} }

func (s *hostStats) get(fn string) *FunctionStats {
	st, ok := s.fns[fn]
	if !ok {
		st = &FunctionStats{}
		s.fns[fn] = st
	}
	return st
}

func (s *hostStats) record(fn string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ok {
		s.get(fn).Succeeded++
	} else {
		s.get(fn).Failed++
	}
}

func (s *hostStats) poisoned(fn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.get(fn).Poisoned++
}

func (s *hostStats) snapshot() map[string]FunctionStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]FunctionStats, len(s.fns))
	for k, v := range s.fns {
		out[k] = *v
	}
	return out
}

// Stats returns each function's counts so far.
func (h *Host) Stats() map[string]FunctionStats { return h.stats.snapshot() }
