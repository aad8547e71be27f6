package localrun

import (
	"strconv"
	"strings"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
)

// ClipInfo is what a dock knows about a clip, as blob metadata will carry
// it (docs/metadata.md). Zero values are left out of the metadata.
type ClipInfo struct {
	OfficerID  string
	DeviceID   string
	Start, End time.Time
	Categories []string
	Incidents  []string
	StationID  string
	Latitude   *float64
	Longitude  *float64
	// Raw overrides or adds metadata keys as given (lower-case), e.g. a
	// deliberately malformed value for a sample clip.
	Raw map[string]string
}

// Metadata returns the blob metadata for info, without the hash (the upload
// adds sha256 once the content has streamed).
func (info ClipInfo) Metadata() map[string]string {
	m := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	set(clip.KeyOfficerID, info.OfficerID)
	set(clip.KeyDeviceID, info.DeviceID)
	if !info.Start.IsZero() {
		m[clip.KeyRecordedStart] = info.Start.UTC().Format(time.RFC3339)
	}
	if !info.End.IsZero() {
		m[clip.KeyRecordedEnd] = info.End.UTC().Format(time.RFC3339)
	}
	set(clip.KeyCategory, strings.Join(info.Categories, ","))
	set(clip.KeyIncidentRef, strings.Join(info.Incidents, ","))
	set(clip.KeyStationID, info.StationID)
	if info.Latitude != nil {
		m[clip.KeyLatitude] = strconv.FormatFloat(*info.Latitude, 'f', -1, 64)
	}
	if info.Longitude != nil {
		m[clip.KeyLongitude] = strconv.FormatFloat(*info.Longitude, 'f', -1, 64)
	}
	for k, v := range info.Raw {
		m[strings.ToLower(k)] = v
	}
	return m
}

// Precheck runs the pipeline's own metadata rules (with the built-in
// retention policy and default limits) on what will be uploaded, so the
// CLI can warn a person before the pipeline quarantines the clip. It also
// returns the Cosmos partition the record will land in. A missing sha256 is
// not reported: the upload computes and adds it.
func Precheck(meta map[string]string, size int64, now time.Time) (partition string, reasons []clip.Reason) {
	if _, ok := meta[clip.KeySHA256]; !ok {
		withHash := map[string]string{clip.KeySHA256: strings.Repeat("0", 64)}
		for k, v := range meta {
			withHash[k] = v
		}
		meta = withHash
	}
	parsed, reasons := clip.ParseMetadata(meta, size, now, clip.Rules{
		MaxDuration: 12 * time.Hour, ClockSkew: 5 * time.Minute, KnownCategory: retention.Default().Known,
	})
	partition = parsed.OfficerID
	if partition == "" {
		partition = clip.UnattributedOfficer
	}
	return partition, reasons
}
