package functions

import "time"

// The sweep's default run budget. With RetentionSweep's schedule (every 5
// minutes, functions/RetentionSweep/function.json) they set how many clips
// a day the sweep can delete: 288 runs × 2,000 = 576,000, about three times
// the ~200,000 clips a day a force of ~22,000 cameras records
// (docs/performance.md). An hourly schedule allowed only 48,000 a day: a
// backlog that grows without end is footage kept past its date, so
// TestSweepCapacityCoversAForce holds schedule and budget to this.
const (
	SweepDefaultMaxClips    = 2000
	SweepDefaultMaxDuration = 4 * time.Minute
)
