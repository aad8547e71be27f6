package devhost

import "sync"

// hostStats counts invocation outcomes per function, for /admin/host/status
// and tests.
type hostStats struct {
	mu  sync.Mutex
	fns map[string]*FunctionStats
}

// FunctionStats are one function's counts since the host started.
//
// Polls, Raised and Pending let a caller prove that nothing happened: read
// Polls, wait until it has grown by N (each poll that completed after the
// read has finished raising its events and handing out its messages), then
// check that Raised did not grow and Pending is 0.
type FunctionStats struct {
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
	Poisoned  int `json:"poisoned,omitempty"`
	// Polls counts completed polls of the function's trigger source: blob
	// listings of the blob watch (Event Grid functions) or dequeues (queue
	// functions) that returned without error, after their events were
	// raised or their messages started.
	Polls int `json:"polls,omitempty"`
	// Raised counts Event Grid deliveries raised for the function (each
	// duplicate copy counts).
	Raised int `json:"raised,omitempty"`
	// Pending counts Event Grid deliveries not yet succeeded or
	// dead-lettered (retries included) and queue messages being processed.
	Pending int `json:"pending,omitempty"`
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

// update applies f to fn's counts under the lock.
func (s *hostStats) update(fn string, f func(*FunctionStats)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s.get(fn))
}

// polled records a completed poll for fn.
func (s *hostStats) polled(fn string) { s.update(fn, func(st *FunctionStats) { st.Polls++ }) }

// raised records an Event Grid delivery raised for fn; pending until settled.
func (s *hostStats) raised(fn string) {
	s.update(fn, func(st *FunctionStats) { st.Raised++; st.Pending++ })
}

// started records a queue message handed to fn; pending until settled.
func (s *hostStats) started(fn string) { s.update(fn, func(st *FunctionStats) { st.Pending++ }) }

// settled ends one pending delivery or message of fn.
func (s *hostStats) settled(fn string) { s.update(fn, func(st *FunctionStats) { st.Pending-- }) }

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
