package functions

import (
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
)

// retentionOf computes a clip's retention fields from the policy. Legal
// hold is a fact carried over from the record, never computed.
func retentionOf(p *retention.Policy, c clip.Clip) clip.Retention {
	f := retention.Facts{
		Categories:   c.Categories,
		IncidentRefs: c.IncidentRefs,
		Quarantined:  c.Status == clip.StatusQuarantined,
		LegalHold:    c.Retention.LegalHold,
		ReceivedAt:   c.ReceivedAt.Time,
	}
	if c.RecordedStart != nil {
		f.RecordedStart = c.RecordedStart.Time
	}
	s := p.Schedule(f)
	return clip.Retention{
		PolicyVersion:     s.PolicyVersion,
		Rule:              s.Rule,
		CountedFrom:       timePtr(s.CountedFrom),
		RetainUntil:       ptrTime(s.RetainUntil),
		ReviewDate:        ptrTime(s.ReviewDate),
		HeldUntilReleased: s.HeldUntilReleased,
		Quarantined:       s.Quarantined,
		LegalHold:         c.Retention.LegalHold,
	}
}

func timePtr(t time.Time) *clip.Time {
	if t.IsZero() {
		return nil
	}
	return clip.Ptr(t)
}

func ptrTime(t *time.Time) *clip.Time {
	if t == nil {
		return nil
	}
	return clip.Ptr(*t)
}
