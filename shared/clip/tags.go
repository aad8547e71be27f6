package clip

import (
	"strings"
	"time"
)

// Blob index tag keys. A Storage lifecycle rule (infra/terraform) matches
// TagBackstop == BackstopShort to delete, some days after the sweep should
// have, any short-retention blob the sweep missed: a backstop, not the
// mechanism.
const (
	TagStatus      = "bwvstatus"
	TagCategories  = "bwvcategories"
	TagRetainUntil = "bwvretainuntil"
	TagLegalHold   = "bwvlegalhold"
	TagBackstop    = "bwvbackstop"

	BackstopShort = "short"
	BackstopKeep  = "keep"
	// ShortRetention is the longest period the backstop class covers.
	ShortRetention = 31 * 24 * time.Hour
)

// IndexTags are the tags mirroring a clip's state onto its blob. Tag values
// allow letters, digits, space and + - . / : = _ only, so lists are
// space-separated.
func IndexTags(c Clip) map[string]string {
	until := "none"
	if c.Retention.RetainUntil != nil {
		until = c.Retention.RetainUntil.String()
	}
	backstop := BackstopKeep
	// A clip with a pending release stays out of the short class: the
	// lifecycle rule counts from the blob's creation, so footage released
	// long after upload would otherwise go before its release grace ends.
	if c.Retention.RetainUntil != nil && !c.Retention.LegalHold && !c.Retention.HeldUntilReleased && c.Retention.PendingRelease == nil &&
		c.RecordedStart != nil && !c.Retention.RetainUntil.After(c.RecordedStart.Add(ShortRetention)) {
		backstop = BackstopShort
	}
	cats := strings.Join(c.Categories, " ")
	if cats == "" {
		cats = "none" // Azurite refuses empty tag values
	}
	return map[string]string{
		TagStatus:      string(c.Status),
		TagCategories:  cats,
		TagRetainUntil: until,
		TagLegalHold:   boolString(c.Retention.LegalHold),
		TagBackstop:    backstop,
	}
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
