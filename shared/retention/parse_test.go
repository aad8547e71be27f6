package retention

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// validPolicy is a small, complete policy; the error cases below each break one thing in it.
const validPolicy = `{
  "format": "bwv-retention-policy/1",
  "version": "test-1",
  "default": {"period": "P31D"},
  "quarantine": {"period": "P1Y", "reviewEvery": "P3M"},
  "incidentLinked": {"holdUntilReleased": true},
  "categories": [
    {"name": "non-evidential", "period": "P31D"},
    {"name": "evidential", "period": "P6Y", "reviewEvery": "P1Y"}
  ]
}`

func TestParseValid(t *testing.T) {
	p, err := Parse([]byte(validPolicy))
	if err != nil {
		t.Fatal(err)
	}
	if p.Version() != "test-1" {
		t.Errorf("Version = %q", p.Version())
	}
	if got := strings.Join(p.Categories(), ","); got != "evidential,non-evidential,uncategorised" {
		t.Errorf("Categories = %s", got)
	}
	for _, c := range []string{"evidential", "EVIDENTIAL", " Non-Evidential ", "uncategorised", "Uncategorised"} {
		if !p.Known(c) {
			t.Errorf("Known(%q) = false", c)
		}
	}
	for _, c := range []string{"", "evidentia", "evidential,non-evidential", "other"} {
		if p.Known(c) {
			t.Errorf("Known(%q) = true", c)
		}
	}
	if r, _ := p.CategoryRule("Evidential"); r.Period != (Period{Years: 6}) || r.ReviewEvery != (Period{Years: 1}) {
		t.Errorf("evidential rule = %+v", r)
	}
}

// minimumDwell is optional: absent gives two weeks; present, the file's value.
func TestParseMinimumDwell(t *testing.T) {
	if got := mustParse(t, validPolicy).MinimumDwell(); got != (Period{Days: 14}) {
		t.Errorf("no minimumDwell in the file: %s, want P14D", got)
	}
	if got := mustParse(t, replace(t, `"version": "test-1",`, `"version": "test-1", "minimumDwell": "P1M",`)).MinimumDwell(); got != (Period{Months: 1}) {
		t.Errorf("minimumDwell P1M: %s", got)
	}
}

// maxDockDelay and releaseGrace are optional: absent give two weeks and a week; present, the file's values, up to a
// year for maxDockDelay.
func TestParseDockDelayAndReleaseGrace(t *testing.T) {
	p := mustParse(t, validPolicy)
	if p.MaxDockDelay() != (Period{Days: 14}) || p.ReleaseGrace() != (Period{Days: 7}) {
		t.Errorf("defaults: maxDockDelay %s releaseGrace %s, want P14D and P7D", p.MaxDockDelay(), p.ReleaseGrace())
	}
	p = mustParse(t, replace(t, `"version": "test-1",`, `"version": "test-1", "maxDockDelay": "P1Y", "releaseGrace": "P2W",`))
	if p.MaxDockDelay() != (Period{Years: 1}) || p.ReleaseGrace() != (Period{Weeks: 2}) {
		t.Errorf("from the file: maxDockDelay %s releaseGrace %s", p.MaxDockDelay(), p.ReleaseGrace())
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.FixedZone("BST", 3600))
	if got := p.ReleaseFrom(now); !got.Equal(now.AddDate(0, 0, 14)) || got.Location() != time.UTC {
		t.Errorf("ReleaseFrom(%s) = %s, want 14 days later in UTC", now, got)
	}
}

// replace returns validPolicy with old replaced by new, failing the test if old is absent (so a case can never
// silently test the valid policy).
func replace(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(validPolicy, old) {
		t.Fatalf("test bug: %q not in validPolicy", old)
	}
	return strings.Replace(validPolicy, old, new, 1)
}

func TestParseErrors(t *testing.T) {
	big := `{"format": "bwv-retention-policy/1", "description": "` + strings.Repeat("x", MaxPolicyBytes) + `"}`
	for _, tc := range []struct {
		name     string
		doc      func(t *testing.T) string
		code     Code
		path     string
		sentence string // a fragment of the message a person reads
	}{
		{"too large", func(t *testing.T) string { return big }, CodeTooLarge, "$", "at most"},
		{"empty file", func(t *testing.T) string { return "  \n" }, CodeSyntax, "$", "empty"},
		{"truncated", func(t *testing.T) string { return validPolicy[:len(validPolicy)-2] }, CodeSyntax, "$", "ends too early"},
		{"not JSON", func(t *testing.T) string { return replace(t, `"version": "test-1",`, `"version": test-1,`) }, CodeSyntax, "$", "not valid JSON"},
		{"trailing data", func(t *testing.T) string { return validPolicy + "\n{}" }, CodeSyntax, "$", "more content"},
		{"array at top", func(t *testing.T) string { return "[" + validPolicy + "]" }, CodeWrongType, "$", "one JSON object"},
		{"duplicate top key", func(t *testing.T) string {
			return replace(t, `"version": "test-1",`, `"version": "test-1", "version": "test-2",`)
		}, CodeDuplicateKey, "$.version", "appears twice"},
		{"duplicate period in a category", func(t *testing.T) string {
			return replace(t, `{"name": "evidential", "period": "P6Y"`, `{"name": "evidential", "period": "P6Y", "period": "P1D"`)
		}, CodeDuplicateKey, "$.categories[1].period", "appears twice"},
		{"unknown top field", func(t *testing.T) string {
			return replace(t, `"version": "test-1",`, `"version": "test-1", "owner": "x",`)
		}, CodeUnknownField, "$.owner", "not a field"},
		{"wrong-case field", func(t *testing.T) string { return replace(t, `"incidentLinked"`, `"incidentlinked"`) }, CodeUnknownField, "$.incidentlinked", "did you mean \"incidentLinked\""},
		{"unknown rule field", func(t *testing.T) string {
			return replace(t, `"default": {"period": "P31D"}`, `"default": {"period": "P31D", "days": 31}`)
		}, CodeUnknownField, "$.default.days", "not a field"},
		{"name outside a category", func(t *testing.T) string {
			return replace(t, `"default": {"period": "P31D"}`, `"default": {"name": "x", "period": "P31D"}`)
		}, CodeUnknownField, "$.default.name", "not a field"},
		{"missing default", func(t *testing.T) string { return replace(t, `"default": {"period": "P31D"},`, ``) }, CodeMissingField, "$.default", "required"},
		{"missing format", func(t *testing.T) string { return replace(t, `"format": "bwv-retention-policy/1",`, ``) }, CodeMissingField, "$.format", "required"},
		{"missing version", func(t *testing.T) string { return replace(t, `"version": "test-1",`, ``) }, CodeMissingField, "$.version", "required"},
		{"missing quarantine", func(t *testing.T) string {
			return replace(t, `"quarantine": {"period": "P1Y", "reviewEvery": "P3M"},`, ``)
		}, CodeMissingField, "$.quarantine", "required"},
		{"missing incidentLinked", func(t *testing.T) string { return replace(t, `"incidentLinked": {"holdUntilReleased": true},`, ``) }, CodeMissingField, "$.incidentLinked", "required"},
		{"missing categories", func(t *testing.T) string {
			return `{"format": "bwv-retention-policy/1", "version": "v", "default": {"period": "P31D"}, "quarantine": {"period": "P1Y"}, "incidentLinked": {"holdUntilReleased": true}}`
		}, CodeMissingField, "$.categories", "required"},
		{"category without name", func(t *testing.T) string {
			return replace(t, `{"name": "non-evidential", "period": "P31D"}`, `{"period": "P31D"}`)
		}, CodeMissingField, "$.categories[0]", "\"name\" is required"},
		{"version is a number", func(t *testing.T) string { return replace(t, `"version": "test-1"`, `"version": 1`) }, CodeWrongType, "$.version", "string"},
		{"period is a number", func(t *testing.T) string {
			return replace(t, `"default": {"period": "P31D"}`, `"default": {"period": 31}`)
		}, CodeWrongType, "$.default.period", "string"},
		{"hold is a string", func(t *testing.T) string {
			return replace(t, `"holdUntilReleased": true`, `"holdUntilReleased": "yes"`)
		}, CodeWrongType, "$.incidentLinked.holdUntilReleased", "true or false"},
		{"categories is an object", func(t *testing.T) string {
			return replace(t, `"categories": [`, `"categories": {"x": [`) + "}"
		}, CodeWrongType, "$.categories", "array"},
		{"categories is null", func(t *testing.T) string {
			return `{"format": "bwv-retention-policy/1", "version": "v", "default": {"period": "P31D"}, "quarantine": {"period": "P1Y"}, "incidentLinked": {"holdUntilReleased": true}, "categories": null}`
		}, CodeWrongType, "$.categories", "array"},
		{"category is a string", func(t *testing.T) string {
			return replace(t, `{"name": "non-evidential", "period": "P31D"}`, `"non-evidential"`)
		}, CodeWrongType, "$.categories[0]", "object"},
		{"default is null", func(t *testing.T) string { return replace(t, `"default": {"period": "P31D"}`, `"default": null`) }, CodeWrongType, "$.default", "object"},
		{"unknown format", func(t *testing.T) string { return replace(t, `bwv-retention-policy/1`, `bwv-retention-policy/2`) }, CodeBadFormat, "$.format", "not understood"},
		{"empty version", func(t *testing.T) string { return replace(t, `"version": "test-1"`, `"version": ""`) }, CodeBadVersion, "$.version", "1-64"},
		{"version with spaces", func(t *testing.T) string { return replace(t, `"version": "test-1"`, `"version": "test 1"`) }, CodeBadVersion, "$.version", "1-64"},
		{"period in days with a small d", func(t *testing.T) string {
			return replace(t, `"default": {"period": "P31D"}`, `"default": {"period": "31d"}`)
		}, CodeBadPeriod, "$.default.period", "must start with \"P\""},
		{"period with hours", func(t *testing.T) string {
			return replace(t, `"default": {"period": "P31D"}`, `"default": {"period": "PT744H"}`)
		}, CodeBadPeriod, "$.default.period", "time part"},
		{"zero period", func(t *testing.T) string {
			return replace(t, `"default": {"period": "P31D"}`, `"default": {"period": "P0D"}`)
		}, CodeBadPeriod, "$.default.period", "zero"},
		{"absurd period", func(t *testing.T) string { return replace(t, `"period": "P6Y"`, `"period": "P600Y"`) }, CodeBadPeriod, "$.categories[1].period", "200 years"},
		{"bad review", func(t *testing.T) string { return replace(t, `"reviewEvery": "P3M"`, `"reviewEvery": "3 months"`) }, CodeBadPeriod, "$.quarantine.reviewEvery", "must start with \"P\""},
		{"both period and hold", func(t *testing.T) string {
			return replace(t, `"incidentLinked": {"holdUntilReleased": true}`, `"incidentLinked": {"holdUntilReleased": true, "period": "P2Y"}`)
		}, CodeBadRule, "$.incidentLinked", "not both"},
		{"neither period nor hold", func(t *testing.T) string {
			return replace(t, `"default": {"period": "P31D"}`, `"default": {"reviewEvery": "P1D"}`)
		}, CodeBadRule, "$.default", "needs a \"period\""},
		{"hold false and no period", func(t *testing.T) string {
			return replace(t, `"holdUntilReleased": true`, `"holdUntilReleased": false`)
		}, CodeBadRule, "$.incidentLinked", "needs a \"period\""},
		{"review after deletion", func(t *testing.T) string { return replace(t, `"reviewEvery": "P1Y"`, `"reviewEvery": "P7Y"`) }, CodeBadReview, "$.categories[1].reviewEvery", "deleted before its review"},
		{"review a day after a month", func(t *testing.T) string {
			return replace(t, `"quarantine": {"period": "P1Y", "reviewEvery": "P3M"}`, `"quarantine": {"period": "P1M", "reviewEvery": "P30D"}`)
		}, CodeBadReview, "$.quarantine.reviewEvery", "deleted before its review"},
		{"upper-case name", func(t *testing.T) string { return replace(t, `"name": "evidential"`, `"name": "Evidential"`) }, CodeBadCategoryName, "$.categories[1].name", "lower-case"},
		{"name with space", func(t *testing.T) string { return replace(t, `"name": "evidential"`, `"name": "evid ential"`) }, CodeBadCategoryName, "$.categories[1].name", "1-32"},
		{"empty name", func(t *testing.T) string { return replace(t, `"name": "evidential"`, `"name": ""`) }, CodeBadCategoryName, "$.categories[1].name", "1-32"},
		{"name too long", func(t *testing.T) string {
			return replace(t, `"name": "evidential"`, `"name": "`+strings.Repeat("a", 33)+`"`)
		}, CodeBadCategoryName, "$.categories[1].name", "1-32"},
		{"name with comma", func(t *testing.T) string { return replace(t, `"name": "evidential"`, `"name": "a,b"`) }, CodeBadCategoryName, "$.categories[1].name", "1-32"},
		{"uncategorised as a category", func(t *testing.T) string { return replace(t, `"name": "evidential"`, `"name": "uncategorised"`) }, CodeReservedCategory, "$.categories[1].name", "\"default\""},
		{"max dock delay over a year", func(t *testing.T) string {
			return replace(t, `"version": "test-1",`, `"version": "test-1", "maxDockDelay": "P13M",`)
		}, CodeBadDockDelay, "$.maxDockDelay", "at most P1Y"},
		{"max dock delay of 366 days", func(t *testing.T) string {
			return replace(t, `"version": "test-1",`, `"version": "test-1", "maxDockDelay": "P366D",`)
		}, CodeBadDockDelay, "$.maxDockDelay", "longer than P1Y"},
		{"zero max dock delay", func(t *testing.T) string {
			return replace(t, `"version": "test-1",`, `"version": "test-1", "maxDockDelay": "P0D",`)
		}, CodeBadPeriod, "$.maxDockDelay", "zero"},
		{"max dock delay in hours", func(t *testing.T) string {
			return replace(t, `"version": "test-1",`, `"version": "test-1", "maxDockDelay": "PT72H",`)
		}, CodeBadPeriod, "$.maxDockDelay", "time part"},
		{"max dock delay is a number", func(t *testing.T) string {
			return replace(t, `"version": "test-1",`, `"version": "test-1", "maxDockDelay": 14,`)
		}, CodeWrongType, "$.maxDockDelay", "string"},
		{"zero release grace", func(t *testing.T) string {
			return replace(t, `"version": "test-1",`, `"version": "test-1", "releaseGrace": "P0D",`)
		}, CodeBadPeriod, "$.releaseGrace", "zero"},
		{"release grace in hours", func(t *testing.T) string {
			return replace(t, `"version": "test-1",`, `"version": "test-1", "releaseGrace": "PT1H",`)
		}, CodeBadPeriod, "$.releaseGrace", "time part"},
		{"release grace is null", func(t *testing.T) string {
			return replace(t, `"version": "test-1",`, `"version": "test-1", "releaseGrace": null,`)
		}, CodeWrongType, "$.releaseGrace", "string"},
		{"release grace in the wrong case", func(t *testing.T) string {
			return replace(t, `"version": "test-1",`, `"version": "test-1", "releasegrace": "P7D",`)
		}, CodeUnknownField, "$.releasegrace", "releaseGrace"},
		{"minimum dwell in hours", func(t *testing.T) string {
			return replace(t, `"version": "test-1",`, `"version": "test-1", "minimumDwell": "PT48H",`)
		}, CodeBadPeriod, "$.minimumDwell", "time part"},
		{"zero minimum dwell", func(t *testing.T) string {
			return replace(t, `"version": "test-1",`, `"version": "test-1", "minimumDwell": "P0D",`)
		}, CodeBadPeriod, "$.minimumDwell", "zero"},
		{"minimum dwell is a number", func(t *testing.T) string {
			return replace(t, `"version": "test-1",`, `"version": "test-1", "minimumDwell": 14,`)
		}, CodeWrongType, "$.minimumDwell", "string"},
		{"minimum dwell in the wrong case", func(t *testing.T) string {
			return replace(t, `"version": "test-1",`, `"version": "test-1", "minimumdwell": "P14D",`)
		}, CodeUnknownField, "$.minimumdwell", "did you mean \"minimumDwell\""},
		{"duplicate category", func(t *testing.T) string { return replace(t, `"name": "evidential"`, `"name": "non-evidential"`) }, CodeDuplicateCategory, "$.categories[1].name", "defined twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse([]byte(tc.doc(t)))
			if err == nil {
				t.Fatalf("Parse accepted it: version %q", p.Version())
			}
			var pe *PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *PolicyError", err)
			}
			if pe.Code != tc.code || pe.Path != tc.path {
				t.Errorf("got %s at %s, want %s at %s (message: %s)", pe.Code, pe.Path, tc.code, tc.path, pe.Message)
			}
			if !strings.Contains(err.Error(), tc.sentence) {
				t.Errorf("message %q does not contain %q", err.Error(), tc.sentence)
			}
			if !errors.Is(err, &PolicyError{Code: tc.code}) || ErrorCode(err) != tc.code {
				t.Errorf("errors.Is / ErrorCode do not match code %s", tc.code)
			}
		})
	}
}

// Every code the package declares has at least one case above, or in TestLoadFile (the unreadable file).
func TestEveryCodeIsTested(t *testing.T) {
	src, err := os.ReadFile("parse_test.go")
	if err != nil {
		t.Fatal(err)
	}
	errSrc, err := os.ReadFile("errors.go")
	if err != nil {
		t.Fatal(err)
	}
	declared := 0
	for _, line := range strings.Split(string(errSrc), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && strings.HasPrefix(f[0], "Code") && f[0] != "Code" && f[1] == "Code" {
			declared++
			if !strings.Contains(string(src), ", "+f[0]+",") && !strings.Contains(string(src), " "+f[0]+" ||") {
				t.Errorf("no test case for %s", f[0])
			}
		}
	}
	if declared < 15 {
		t.Errorf("found only %d codes in errors.go; this test no longer reads it correctly", declared)
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "policy.json")
	if err := os.WriteFile(good, []byte(validPolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	if p, err := LoadFile(good); err != nil || p.Version() != "test-1" {
		t.Fatalf("LoadFile(good) = %v, %v", p, err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(replace(t, `"P31D"}`, `"31 days"}`)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadFile(bad)
	var pe *PolicyError
	if !errors.As(err, &pe) || pe.Code != CodeBadPeriod || pe.File != bad || !strings.Contains(err.Error(), bad+": $.default.period") {
		t.Errorf("LoadFile(bad) = %v", err)
	}
	_, err = LoadFile(filepath.Join(dir, "absent.json"))
	if ErrorCode(err) != CodeUnreadable || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadFile(absent) = %v, want %s wrapping ErrNotExist", err, CodeUnreadable)
	}
	// A file larger than the limit is refused without reading it all.
	huge := filepath.Join(dir, "huge.json")
	if err := os.WriteFile(huge, make([]byte, MaxPolicyBytes+10), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFile(huge); ErrorCode(err) != CodeTooLarge {
		t.Errorf("LoadFile(huge) = %v, want %s", err, CodeTooLarge)
	}
}
