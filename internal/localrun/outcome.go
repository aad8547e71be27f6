package localrun

import (
	"context"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// Final reports whether a record has reached the end of the pipeline: verified,
// quarantined with its content moved (or known gone), refused or deleted.
// A quarantined record whose content is still being moved is not final yet.
func Final(c clip.Clip) bool {
	switch c.Status {
	case clip.StatusVerified, clip.StatusRefused, clip.StatusDeleted:
		return true
	case clip.StatusQuarantined:
		if c.Quarantine != nil {
			return true
		}
		for _, r := range c.Reasons {
			if r.Code == clip.CodeBlobGone || r.Code == clip.CodeBlobChanged {
				return true
			}
		}
	}
	return false
}

// WaitFinal polls the record (point read in its partition) until Final or
// until ctx ends; it returns the last record seen and whether it was found.
func WaitFinal(ctx context.Context, c *Clients, partition, id string, every time.Duration) (clip.Clip, bool, error) {
	if every <= 0 {
		every = 200 * time.Millisecond
	}
	var last clip.Clip
	found := false
	for {
		rec, err := c.Records.GetClip(ctx, partition, id)
		switch {
		case err == nil:
			last, found = rec, true
			if Final(rec) {
				return rec, true, nil
			}
		case clip.IsKind(err, clip.NotFound):
		case ctx.Err() == nil:
			return last, found, unreachableOr(err, CodeUnreachable, "reading clip %s", id)
		}
		select {
		case <-ctx.Done():
			return last, found, reason.Errorf(CodeTimeout, ctx.Err(), "clip %s did not reach a final state (last status %q)", id, last.Status)
		case <-time.After(every):
		}
	}
}

// Latency is the time from the upload's commit to the record's last change
// (its final state when Final): what a dock waits for a clip to be verified.
func Latency(committed time.Time, c clip.Clip) time.Duration {
	if c.UpdatedAt.IsZero() || committed.IsZero() {
		return 0
	}
	return c.UpdatedAt.Sub(committed)
}
