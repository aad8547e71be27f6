package clip

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Metadata keys from the dock (lower case, no hyphens: Azure's rule).
const (
	KeyOfficerID     = "officerid"
	KeyDeviceID      = "deviceid"
	KeyRecordedStart = "recordedstart"
	KeyRecordedEnd   = "recordedend"
	KeySHA256        = "sha256"
	KeyCategory      = "category"
	KeyIncidentRef   = "incidentref"
	KeyStationID     = "stationid"
	KeyLatitude      = "latitude"
	KeyLongitude     = "longitude"
)

// Uncategorised is the category of a clip whose dock sent none.
const Uncategorised = "uncategorised"

// Limits of the contract (docs/metadata.md).
const (
	MaxIncidentRefs = 20
	MaxCategories   = 10
)

var (
	reOfficer  = regexp.MustCompile(`^[A-Za-z0-9]{1,16}$`)
	reDevice   = regexp.MustCompile(`^[A-Za-z0-9-]{1,32}$`)
	reStation  = regexp.MustCompile(`^[A-Za-z0-9-]{1,32}$`)
	reSHA256   = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)
	reIncident = regexp.MustCompile(`^[A-Za-z0-9/_-]{1,64}$`)
	reCategory = regexp.MustCompile(`^[a-z0-9-]{1,32}$`)
)

// Rules are the configurable parts of metadata validation.
type Rules struct {
	MaxDuration time.Duration // longest plausible clip
	ClockSkew   time.Duration // how far in the future a start may be
	// KnownCategory reports whether the retention policy knows a category
	// (already lower-cased). Nil accepts every well-formed category.
	KnownCategory func(string) bool
}

// Metadata is the dock's metadata after validation and normalisation.
type Metadata struct {
	OfficerID     string
	DeviceID      string
	StationID     string
	RecordedStart time.Time
	RecordedEnd   time.Time
	SHA256        string // lower-case hex
	Categories    []string
	IncidentRefs  []string
	Location      *Location
	Extra         map[string]string // unknown keys, kept on the record
}

// ParseMetadata validates raw blob metadata (keys compared
// case-insensitively) and the content length against the contract. It
// returns every broken rule, not just the first: a disclosure officer
// fixing a dock wants the whole list. Fields that passed are filled in even
// when others failed, so a quarantined record still says whose clip it is.
func ParseMetadata(raw map[string]string, size int64, now time.Time, r Rules) (Metadata, []Reason) {
	var m Metadata
	var reasons []Reason
	add := func(code Code, field, format string, args ...any) {
		reasons = append(reasons, Reason{Code: code, Field: field, Message: fmt.Sprintf(format, args...)})
	}

	kv := map[string]string{}
	seen := map[string]string{}
	for k, v := range raw {
		lk := strings.ToLower(k)
		if prev, dup := seen[lk]; dup {
			add(CodeMetadataDuplicateKey, lk, "metadata keys %q and %q differ only by case; send each key once", prev, k)
			continue
		}
		seen[lk] = k
		kv[lk] = strings.TrimSpace(v)
	}

	if size <= 0 {
		add(CodeContentEmpty, "content", "the blob is empty (%d bytes): an empty upload is a failed upload, not a clip; re-dock the camera", size)
	}

	switch v, ok := kv[KeyOfficerID]; {
	case !ok || v == "":
		add(CodeOfficerIDMissing, KeyOfficerID, "officerid is required: the collar or payroll number of the officer who recorded the clip")
	case !reOfficer.MatchString(v):
		add(CodeOfficerIDInvalid, KeyOfficerID, "officerid %q must be 1-16 letters or digits", clipValue(v))
	default:
		m.OfficerID = strings.ToUpper(v)
	}

	switch v, ok := kv[KeyDeviceID]; {
	case !ok || v == "":
		add(CodeDeviceIDMissing, KeyDeviceID, "deviceid is required: the camera's serial number")
	case !reDevice.MatchString(v):
		add(CodeDeviceIDInvalid, KeyDeviceID, "deviceid %q must be 1-32 letters, digits or '-'", clipValue(v))
	default:
		m.DeviceID = v
	}

	start, startOK := parseTime(kv, KeyRecordedStart, CodeRecordedStartMissing, CodeRecordedStartInvalid, add)
	end, endOK := parseTime(kv, KeyRecordedEnd, CodeRecordedEndMissing, CodeRecordedEndInvalid, add)
	if startOK {
		m.RecordedStart = start
		if r.ClockSkew >= 0 && start.After(now.Add(r.ClockSkew)) {
			add(CodeRecordedStartFuture, KeyRecordedStart, "recordedstart %s is in the future (now %s, allowed clock skew %s): check the camera's clock",
				start.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), r.ClockSkew)
		}
	}
	if endOK {
		m.RecordedEnd = end
	}
	if startOK && endOK {
		switch d := end.Sub(start); {
		case d <= 0:
			add(CodeRecordedEndNotAfter, KeyRecordedEnd, "recordedend %s must be after recordedstart %s",
				end.UTC().Format(time.RFC3339), start.UTC().Format(time.RFC3339))
		case r.MaxDuration > 0 && d > r.MaxDuration:
			add(CodeDurationTooLong, KeyRecordedEnd, "the clip lasts %s, longer than the camera maximum of %s", d, r.MaxDuration)
		}
	}

	switch v, ok := kv[KeySHA256]; {
	case !ok || v == "":
		add(CodeSHA256Missing, KeySHA256, "sha256 is required: the dock's SHA-256 of the content, as 64 hex digits")
	case !reSHA256.MatchString(v):
		add(CodeSHA256Invalid, KeySHA256, "sha256 must be exactly 64 hex digits (got %d characters)", len(v))
	default:
		m.SHA256 = strings.ToLower(v)
	}

	m.Categories = []string{Uncategorised}
	if v := kv[KeyCategory]; v != "" {
		cats, bad := splitList(v, func(s string) string { return strings.ToLower(s) })
		ok := true
		if bad || len(cats) > MaxCategories {
			add(CodeCategoryInvalid, KeyCategory, "category must be a comma-separated list of at most %d names", MaxCategories)
			ok = false
		}
		for _, c := range cats {
			switch {
			case !reCategory.MatchString(c):
				add(CodeCategoryInvalid, KeyCategory, "category %q must be 1-32 lower-case letters, digits or '-'", clipValue(c))
				ok = false
			case r.KnownCategory != nil && !r.KnownCategory(c):
				add(CodeCategoryUnknown, KeyCategory, "category %q is not in the retention policy", c)
				ok = false
			}
		}
		if ok && len(cats) > 0 {
			m.Categories = cats
		}
	}

	m.IncidentRefs = []string{}
	if v := kv[KeyIncidentRef]; v != "" {
		refs, bad := splitList(v, func(s string) string { return s })
		ok := true
		if bad || len(refs) > MaxIncidentRefs {
			add(CodeIncidentRefInvalid, KeyIncidentRef, "incidentref must be a comma-separated list of at most %d references", MaxIncidentRefs)
			ok = false
		}
		for _, ref := range refs {
			if !reIncident.MatchString(ref) {
				add(CodeIncidentRefInvalid, KeyIncidentRef, "incident reference %q must be 1-64 letters, digits, '/', '-' or '_'", clipValue(ref))
				ok = false
			}
		}
		if ok {
			m.IncidentRefs = refs
		}
	}

	if v, ok := kv[KeyStationID]; ok && v != "" {
		if reStation.MatchString(v) {
			m.StationID = v
		} else {
			add(CodeStationIDInvalid, KeyStationID, "stationid %q must be 1-32 letters, digits or '-'", clipValue(v))
		}
	}

	lat, hasLat := kv[KeyLatitude]
	lon, hasLon := kv[KeyLongitude]
	hasLat, hasLon = hasLat && lat != "", hasLon && lon != ""
	if hasLat != hasLon {
		add(CodeLocationIncomplete, "location", "latitude and longitude come together: send both or neither")
	} else if hasLat {
		la, errLa := strconv.ParseFloat(lat, 64)
		lo, errLo := strconv.ParseFloat(lon, 64)
		okLa := errLa == nil && la >= -90 && la <= 90
		okLo := errLo == nil && lo >= -180 && lo <= 180
		if !okLa {
			add(CodeLatitudeInvalid, KeyLatitude, "latitude %q must be decimal degrees between -90 and 90", clipValue(lat))
		}
		if !okLo {
			add(CodeLongitudeInvalid, KeyLongitude, "longitude %q must be decimal degrees between -180 and 180", clipValue(lon))
		}
		if okLa && okLo {
			m.Location = &Location{Latitude: la, Longitude: lo}
		}
	}

	for k, v := range kv {
		if !knownKeys[k] {
			if m.Extra == nil {
				m.Extra = map[string]string{}
			}
			m.Extra[k] = v
		}
	}
	sort.SliceStable(reasons, func(i, j int) bool { return reasons[i].Code < reasons[j].Code })
	return m, reasons
}

var knownKeys = map[string]bool{
	KeyOfficerID: true, KeyDeviceID: true, KeyRecordedStart: true, KeyRecordedEnd: true, KeySHA256: true,
	KeyCategory: true, KeyIncidentRef: true, KeyStationID: true, KeyLatitude: true, KeyLongitude: true,
}

func parseTime(kv map[string]string, key string, missing, invalid Code, add func(Code, string, string, ...any)) (time.Time, bool) {
	v, ok := kv[key]
	if !ok || v == "" {
		add(missing, key, "%s is required: an RFC 3339 time with a zone, e.g. 2026-03-01T14:05:00Z", key)
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		add(invalid, key, "%s %q is not an RFC 3339 time with a zone, e.g. 2026-03-01T14:05:00Z", key, clipValue(v))
		return time.Time{}, false
	}
	return t, true
}

// splitList splits a comma-separated list, trims and de-duplicates its
// items (keeping first order); bad reports an empty item.
func splitList(v string, norm func(string) string) (items []string, bad bool) {
	for _, p := range strings.Split(v, ",") {
		p = norm(strings.TrimSpace(p))
		if p == "" {
			bad = true
			continue
		}
		if !slices.Contains(items, p) {
			items = append(items, p)
		}
	}
	return items, bad
}

// clipValue shortens a value quoted in a message, so a hostile dock cannot
// fill logs and records with a huge metadata value.
func clipValue(v string) string {
	const n = 80
	if len(v) > n {
		return v[:n] + "…"
	}
	return v
}
