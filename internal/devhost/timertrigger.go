package devhost

import (
	"context"
	"sync"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/funchost"
)

// timerState is one timer function's schedule status. The real host keeps it
// in a blob (azure-webjobs-hosts/timers/...) so IsPastDue survives restarts;
// the local host keeps it in memory, so every start begins with no status.
type timerState struct {
	sched   *Schedule
	monitor bool

	mu          sync.Mutex
	last        time.Time // zero = never ran
	lastUpdated time.Time
}

func newTimerState(s *Schedule, useMonitor *bool) *timerState {
	monitor := useMonitor == nil || *useMonitor
	// The host does not monitor schedules that run more than once a minute.
	if iv := s.Interval(time.Now().UTC()); iv > 0 && iv < time.Minute {
		monitor = false
	}
	return &timerState{sched: s, monitor: monitor}
}

func (t *timerState) status(next time.Time) *funchost.ScheduleStatus {
	if !t.monitor {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	last, upd := t.last, t.lastUpdated
	if last.IsZero() {
		last = time.Time{}.UTC()
		upd = last
	}
	return &funchost.ScheduleStatus{Last: dotnetOffset(last), Next: dotnetOffset(next), LastUpdated: dotnetOffset(upd)}
}

// scheduledInfo is the TimerInfo of the run due at due: Next is that due time.
func (t *timerState) scheduledInfo(due time.Time) funchost.TimerInfo {
	return funchost.TimerInfo{Schedule: funchost.TimerSchedule{AdjustForDST: true}, ScheduleStatus: t.status(due)}
}

// manualInfo is the TimerInfo of a run fired through the admin endpoint:
// Next is the next time on the schedule, IsPastDue false.
func (t *timerState) manualInfo(now time.Time) funchost.TimerInfo {
	return funchost.TimerInfo{Schedule: funchost.TimerSchedule{AdjustForDST: true}, ScheduleStatus: t.status(t.sched.Next(now))}
}

func (t *timerState) ran(due time.Time) {
	t.mu.Lock()
	t.last, t.lastUpdated = due, time.Now().In(due.Location())
	t.mu.Unlock()
}

// runTimer fires fn on its schedule until ctx ends. Runs never overlap; a
// failed run is not retried (the next one comes on schedule), as in Azure.
func (h *Host) runTimer(ctx context.Context, fn *Function) {
	st := h.timers[fn.Name]
	loc := h.opts.TimerLocation
	fire := func(due time.Time) {
		inv := &invocation{
			fn:       fn,
			id:       newUUID(),
			data:     map[string]any{fn.Trigger.Name: st.scheduledInfo(due)},
			metadata: map[string]any{"sys": newSys(fn.Name, time.Now())},
		}
		_, _ = h.invoke(context.WithoutCancel(ctx), inv)
		st.ran(due) // the schedule moves on whether the run failed or not
	}
	if fn.Trigger.RunOnStart {
		fire(time.Now().In(loc))
	}
	for {
		due := st.sched.Next(time.Now().In(loc))
		if due.IsZero() {
			h.log.Warn("timer never fires", "function", fn.Name, "schedule", st.sched.String())
			return
		}
		timer := time.NewTimer(time.Until(due))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
			fire(due)
		}
	}
}
