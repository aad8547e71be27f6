package clip

import (
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2026, 3, 1, 15, 0, 0, 0, time.UTC)

var testRules = Rules{
	MaxDuration: 12 * time.Hour,
	ClockSkew:   5 * time.Minute,
	KnownCategory: func(c string) bool {
		return c == "evidential" || c == "non-evidential" || c == Uncategorised
	},
}

func validMetadata() map[string]string {
	return map[string]string{
		"officerid":     "ab1234",
		"deviceid":      "CAM-0042",
		"recordedstart": "2026-03-01T14:00:00Z",
		"recordedend":   "2026-03-01T14:05:00+00:00",
		"sha256":        strings.Repeat("AB", 32),
	}
}

func TestParseMetadataValid(t *testing.T) {
	raw := validMetadata()
	raw["Category"] = "Evidential, non-evidential,evidential"
	raw["incidentref"] = "CAD/2026/0001, CRIME_77-A"
	raw["stationid"] = "ST-01"
	raw["latitude"] = "52.4862"
	raw["longitude"] = "-1.8904"
	raw["firmware"] = "4.2.1"
	m, reasons := ParseMetadata(raw, 1024, testNow, testRules)
	if len(reasons) != 0 {
		t.Fatalf("valid metadata gave reasons: %+v", reasons)
	}
	if m.OfficerID != "AB1234" {
		t.Errorf("officer id %q, want upper-cased AB1234", m.OfficerID)
	}
	if m.SHA256 != strings.Repeat("ab", 32) {
		t.Errorf("sha256 not lower-cased: %s", m.SHA256)
	}
	if got := strings.Join(m.Categories, ","); got != "evidential,non-evidential" {
		t.Errorf("categories %q", got)
	}
	if got := strings.Join(m.IncidentRefs, ","); got != "CAD/2026/0001,CRIME_77-A" {
		t.Errorf("incident refs %q", got)
	}
	if m.Location == nil || m.Location.Latitude != 52.4862 || m.Location.Longitude != -1.8904 {
		t.Errorf("location %+v", m.Location)
	}
	if m.Extra["firmware"] != "4.2.1" || len(m.Extra) != 1 {
		t.Errorf("unknown keys not kept: %+v", m.Extra)
	}
	if !m.RecordedEnd.Equal(time.Date(2026, 3, 1, 14, 5, 0, 0, time.UTC)) {
		t.Errorf("recorded end %v", m.RecordedEnd)
	}
}

func TestParseMetadataDefaultsToUncategorised(t *testing.T) {
	m, reasons := ParseMetadata(validMetadata(), 1, testNow, testRules)
	if len(reasons) != 0 || len(m.Categories) != 1 || m.Categories[0] != Uncategorised {
		t.Fatalf("categories %v reasons %v", m.Categories, reasons)
	}
	if m.IncidentRefs == nil {
		t.Fatal("incident refs must be an empty list, not null, for analysts' ARRAY_CONTAINS")
	}
}

func TestParseMetadataRules(t *testing.T) {
	tests := []struct {
		name   string
		change func(map[string]string)
		size   int64
		want   []Code
	}{
		{"empty content", func(map[string]string) {}, 0, []Code{CodeContentEmpty}},
		{"officer missing", func(m map[string]string) { delete(m, "officerid") }, 1, []Code{CodeOfficerIDMissing}},
		{"officer blank", func(m map[string]string) { m["officerid"] = "  " }, 1, []Code{CodeOfficerIDMissing}},
		{"officer too long", func(m map[string]string) { m["officerid"] = strings.Repeat("1", 17) }, 1, []Code{CodeOfficerIDInvalid}},
		{"officer punctuation", func(m map[string]string) { m["officerid"] = "AB-12" }, 1, []Code{CodeOfficerIDInvalid}},
		{"device missing", func(m map[string]string) { delete(m, "deviceid") }, 1, []Code{CodeDeviceIDMissing}},
		{"device bad", func(m map[string]string) { m["deviceid"] = "cam 1" }, 1, []Code{CodeDeviceIDInvalid}},
		{"device too long", func(m map[string]string) { m["deviceid"] = strings.Repeat("a", 33) }, 1, []Code{CodeDeviceIDInvalid}},
		{"start missing", func(m map[string]string) { delete(m, "recordedstart") }, 1, []Code{CodeRecordedStartMissing}},
		{"start without zone", func(m map[string]string) { m["recordedstart"] = "2026-03-01T14:00:00" }, 1, []Code{CodeRecordedStartInvalid}},
		{"start in future", func(m map[string]string) {
			m["recordedstart"] = "2026-03-01T15:06:00Z"
			m["recordedend"] = "2026-03-01T15:07:00Z"
		}, 1, []Code{CodeRecordedStartFuture}},
		{"start within skew", func(m map[string]string) {
			m["recordedstart"] = "2026-03-01T15:04:00Z"
			m["recordedend"] = "2026-03-01T15:07:00Z"
		}, 1, nil},
		{"end missing", func(m map[string]string) { delete(m, "recordedend") }, 1, []Code{CodeRecordedEndMissing}},
		{"end garbage", func(m map[string]string) { m["recordedend"] = "yesterday" }, 1, []Code{CodeRecordedEndInvalid}},
		{"end equals start", func(m map[string]string) { m["recordedend"] = m["recordedstart"] }, 1, []Code{CodeRecordedEndNotAfter}},
		{"end before start", func(m map[string]string) { m["recordedend"] = "2026-03-01T13:00:00Z" }, 1, []Code{CodeRecordedEndNotAfter}},
		{"too long", func(m map[string]string) {
			m["recordedstart"] = "2026-02-28T01:00:00Z"
			m["recordedend"] = "2026-02-28T13:00:01Z"
		}, 1, []Code{CodeDurationTooLong}},
		{"sha missing", func(m map[string]string) { delete(m, "sha256") }, 1, []Code{CodeSHA256Missing}},
		{"sha short", func(m map[string]string) { m["sha256"] = "abc" }, 1, []Code{CodeSHA256Invalid}},
		{"sha not hex", func(m map[string]string) { m["sha256"] = strings.Repeat("zz", 32) }, 1, []Code{CodeSHA256Invalid}},
		{"category unknown", func(m map[string]string) { m["category"] = "evidential,secret" }, 1, []Code{CodeCategoryUnknown}},
		{"category bad shape", func(m map[string]string) { m["category"] = "evid ential" }, 1, []Code{CodeCategoryInvalid}},
		{"category empty item", func(m map[string]string) { m["category"] = "evidential,," }, 1, []Code{CodeCategoryInvalid}},
		{"incident bad", func(m map[string]string) { m["incidentref"] = "CAD 1" }, 1, []Code{CodeIncidentRefInvalid}},
		{"incident too long", func(m map[string]string) { m["incidentref"] = strings.Repeat("A", 65) }, 1, []Code{CodeIncidentRefInvalid}},
		{"too many incidents", func(m map[string]string) {
			refs := make([]string, MaxIncidentRefs+1)
			for i := range refs {
				refs[i] = "R" + strings.Repeat("1", i+1)
			}
			m["incidentref"] = strings.Join(refs, ",")
		}, 1, []Code{CodeIncidentRefInvalid}},
		{"station bad", func(m map[string]string) { m["stationid"] = "ST_01" }, 1, []Code{CodeStationIDInvalid}},
		{"latitude only", func(m map[string]string) { m["latitude"] = "51.5" }, 1, []Code{CodeLocationIncomplete}},
		{"longitude only", func(m map[string]string) { m["longitude"] = "-0.1" }, 1, []Code{CodeLocationIncomplete}},
		{"latitude out of range", func(m map[string]string) { m["latitude"] = "91"; m["longitude"] = "0" }, 1, []Code{CodeLatitudeInvalid}},
		{"longitude not a number", func(m map[string]string) { m["latitude"] = "51"; m["longitude"] = "west" }, 1, []Code{CodeLongitudeInvalid}},
		{"keys differ by case", func(m map[string]string) { m["OfficerID"] = "XY1" }, 1, []Code{CodeMetadataDuplicateKey}},
		{"everything missing", func(m map[string]string) { clear(m) }, 0, []Code{
			CodeContentEmpty, CodeDeviceIDMissing, CodeOfficerIDMissing, CodeRecordedEndMissing,
			CodeRecordedStartMissing, CodeSHA256Missing,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := validMetadata()
			tt.change(raw)
			_, reasons := ParseMetadata(raw, tt.size, testNow, testRules)
			got := map[Code]bool{}
			for _, r := range reasons {
				got[r.Code] = true
				if r.Message == "" || r.Field == "" {
					t.Errorf("reason %s lacks a message or field: %+v", r.Code, r)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got reasons %+v, want codes %v", reasons, tt.want)
			}
			for _, c := range tt.want {
				if !got[c] {
					t.Fatalf("missing %s in %+v", c, reasons)
				}
			}
		})
	}
}

func TestParseMetadataKeepsGoodFieldsOfABadClip(t *testing.T) {
	raw := validMetadata()
	raw["sha256"] = "nope"
	m, reasons := ParseMetadata(raw, 5, testNow, testRules)
	if len(reasons) != 1 || m.OfficerID != "AB1234" || m.DeviceID != "CAM-0042" {
		t.Fatalf("m=%+v reasons=%+v", m, reasons)
	}
}

func TestParseMetadataClipsHugeValuesInMessages(t *testing.T) {
	raw := validMetadata()
	raw["officerid"] = strings.Repeat("x", 5000)
	_, reasons := ParseMetadata(raw, 5, testNow, testRules)
	if len(reasons) != 1 || len(reasons[0].Message) > 300 {
		t.Fatalf("message not bounded: %d bytes", len(reasons[0].Message))
	}
}
