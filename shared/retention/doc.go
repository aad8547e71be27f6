// Package retention decides how long a body-worn-video clip is kept and whether the sweep may delete it now.
//
// It is pure domain: no Azure, no I/O except LoadFile. The ingest function calls Schedule when it records a clip,
// the clip-management function calls it again after a reclassification or a hold change, and the retention sweep
// calls Decide for each candidate it re-read. Deleting the wrong clip is the worst failure of the whole system, so
// every path here that lacks a clear, consistent answer ends in "keep": a missing date, a zero clock, an unknown
// category, an unknown status or an inconsistent schedule never yields a deletion.
//
// The policy file format, the defaults and where they come from are described in docs/retention.md.
package retention
