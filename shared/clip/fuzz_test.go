package clip

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

var reAnyCode = regexp.MustCompile(`^[A-Z][A-Z0-9_]+$`)

// FuzzParseMetadata: any dock metadata either validates into a record whose
// fields meet the contract, or yields reasons that each carry a stable code
// and a sentence; never a panic. A valid dock upload is the first seed; the
// fuzzer varies the value of every key and the key names themselves. Explore
// with go test -fuzz=FuzzParseMetadata -parallel=1 ./shared/clip/.
func FuzzParseMetadata(f *testing.F) {
	f.Add("AB1234", "CAM-0042", "2026-03-01T14:00:00Z", "2026-03-01T14:05:00Z", strings.Repeat("ab", 32),
		"evidential,non-evidential", "CAD/123-45", "STN-01", "51.5", "-0.12", "officerid", int64(1024))
	f.Add("", "", "", "", "", "", "", "", "", "", "OfficerID", int64(0))
	f.Add("ab 12", "c\x00m", "2026-03-01T14:00:00+99:00", "yesterday", strings.Repeat("G", 64),
		",,", strings.Repeat("x", 65), "s\ntation", "91", "NaN", "officer-id", int64(-1))
	f.Add("AB1234", "CAM", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", strings.Repeat("0", 64),
		"UNCATEGORISED", "'; DROP TABLE clips;--", "", "1e308", "-1e308", "", int64(1<<62))
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	rules := Rules{MaxDuration: 12 * time.Hour, ClockSkew: 5 * time.Minute,
		KnownCategory: func(c string) bool { return c == "evidential" || c == "non-evidential" || c == Uncategorised }}
	f.Fuzz(func(t *testing.T, officer, device, start, end, sha, category, incident, station, lat, lon, extraKey string, size int64) {
		raw := map[string]string{
			KeyOfficerID: officer, KeyDeviceID: device, KeyRecordedStart: start, KeyRecordedEnd: end, KeySHA256: sha,
			KeyCategory: category, KeyIncidentRef: incident, KeyStationID: station, KeyLatitude: lat, KeyLongitude: lon,
		}
		if extraKey != "" {
			raw[extraKey] = officer // may collide with a known key in another case
		}
		m, reasons := ParseMetadata(raw, size, now, rules)
		for _, r := range reasons {
			if !reAnyCode.MatchString(string(r.Code)) || strings.TrimSpace(r.Message) == "" {
				t.Fatalf("reason without a stable code or a sentence: %+v", r)
			}
		}
		if len(reasons) > 0 {
			return
		}
		if !reOfficer.MatchString(m.OfficerID) || m.OfficerID != strings.ToUpper(m.OfficerID) {
			t.Fatalf("accepted officer id %q", m.OfficerID)
		}
		if !reDevice.MatchString(m.DeviceID) {
			t.Fatalf("accepted device id %q", m.DeviceID)
		}
		if !m.RecordedEnd.After(m.RecordedStart) || m.RecordedEnd.Sub(m.RecordedStart) > rules.MaxDuration {
			t.Fatalf("accepted recorded times %v → %v", m.RecordedStart, m.RecordedEnd)
		}
		if m.RecordedStart.After(now.Add(rules.ClockSkew)) {
			t.Fatalf("accepted a start in the future: %v", m.RecordedStart)
		}
		if len(m.SHA256) != 64 || m.SHA256 != strings.ToLower(m.SHA256) {
			t.Fatalf("accepted sha256 %q", m.SHA256)
		}
		if size <= 0 {
			t.Fatalf("accepted content length %d", size)
		}
		if len(m.Categories) == 0 {
			t.Fatal("accepted clip without a category (uncategorised expected)")
		}
		for _, c := range m.Categories {
			if !rules.KnownCategory(c) {
				t.Fatalf("accepted unknown category %q", c)
			}
		}
		for _, ref := range m.IncidentRefs {
			if !reIncident.MatchString(ref) {
				t.Fatalf("accepted incident ref %q", ref)
			}
		}
		if m.StationID != "" && !reStation.MatchString(m.StationID) {
			t.Fatalf("accepted station id %q", m.StationID)
		}
		if l := m.Location; l != nil && (l.Latitude < -90 || l.Latitude > 90 || l.Longitude < -180 || l.Longitude > 180) {
			t.Fatalf("accepted location %+v", l)
		}
	})
}
