package clip

import (
	"testing"
	"time"
)

// The lifecycle backstop deletes short-class blobs some days after their creation, whatever the record says: a
// clip released long after upload (a hold cleared on old footage) must not be in that class while its release
// grace runs, nor after (the sweep deletes it then).
func TestIndexTagsKeepAClipWithAPendingRelease(t *testing.T) {
	start := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	c := Clip{Status: StatusVerified, Categories: []string{"non-evidential"}, RecordedStart: Ptr(start),
		Retention: Retention{RetainUntil: Ptr(start.AddDate(0, 0, 31)), Rule: "category:non-evidential"}}
	if got := IndexTags(c)[TagBackstop]; got != BackstopShort {
		t.Fatalf("setup: a 31-day clip is in class %q, want %q", got, BackstopShort)
	}
	c.Retention.PendingRelease = &PendingRelease{RequestedBy: "dpo", EffectiveFrom: At(start.AddDate(0, 4, 0))}
	if got := IndexTags(c)[TagBackstop]; got != BackstopKeep {
		t.Fatalf("a clip with a pending release is in backstop class %q, want %q", got, BackstopKeep)
	}
}
