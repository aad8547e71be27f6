package retention

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Format is the value the "format" key of a policy file must carry. A future incompatible format gets a new value,
// so an old binary refuses a file it would misread instead of guessing.
const Format = "bwv-retention-policy/1"

// defaultMinimumDwell is the minimum dwell of a policy file without "minimumDwell": two weeks after receipt
// (docs/retention.md says why). The key is optional so that format-1 files written before it existed keep loading;
// leaving it out can only make retention longer, never shorter.
var defaultMinimumDwell = Period{Days: 14}

// defaultMaxDockDelay is the maxDockDelay of a policy file without one: a recorded start more than two weeks
// before receipt is taken for a reset camera clock (docs/retention.md says why two weeks).
var defaultMaxDockDelay = Period{Days: 14}

// maxMaxDockDelay bounds maxDockDelay: a larger value would let a camera clock set back by a year or more delete
// evidential footage that much early, which is what the setting exists to prevent.
var maxMaxDockDelay = Period{Years: 1}

// defaultReleaseGrace is the releaseGrace of a policy file without one: a change that brings a deletion earlier
// takes effect at the earliest a week later, time for a mistaken release to be seen and undone.
var defaultReleaseGrace = Period{Days: 7}

// MaxPolicyBytes bounds a policy file; real ones are a few kilobytes.
const MaxPolicyBytes = 1 << 20

var (
	categoryNameRE = regexp.MustCompile(`^[a-z0-9-]{1,32}$`)
	versionRE      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
)

// Parse validates a policy file strictly and returns the policy. Any problem gives a *PolicyError with a stable
// Code and the JSON path of the first offending value; nothing is guessed or defaulted silently.
func Parse(data []byte) (*Policy, error) {
	if len(data) > MaxPolicyBytes {
		return nil, policyErr(CodeTooLarge, "$", "the file is %d bytes; a policy file may be at most %d bytes", len(data), MaxPolicyBytes)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, policyErr(CodeSyntax, "$", "the file is empty; it must hold one JSON object")
	}
	if err := checkWellFormed(data); err != nil {
		return nil, err
	}
	top, err := objectFields(data, "$")
	if err != nil {
		return nil, err
	}
	if err := onlyFields(top, "$", "format", "version", "description", "minimumDwell", "maxDockDelay", "releaseGrace", "default", "quarantine", "incidentLinked", "categories"); err != nil {
		return nil, err
	}
	if err := requireFields(top, "$", "format", "version", "default", "quarantine", "incidentLinked", "categories"); err != nil {
		return nil, err
	}
	p := &Policy{categories: map[string]Rule{}}

	format, err := stringField(top["format"], "$.format")
	if err != nil {
		return nil, err
	}
	if format != Format {
		return nil, policyErr(CodeBadFormat, "$.format", "format %q is not understood by this version; expected %q", format, Format)
	}
	if p.version, err = stringField(top["version"], "$.version"); err != nil {
		return nil, err
	}
	if !versionRE.MatchString(p.version) {
		return nil, policyErr(CodeBadVersion, "$.version", "version %q must be 1-64 of letters, digits, '.', '_', '-', starting with a letter or digit", p.version)
	}
	if raw, ok := top["description"]; ok {
		if p.description, err = stringField(raw, "$.description"); err != nil {
			return nil, err
		}
	}
	p.minimumDwell = defaultMinimumDwell
	if raw, ok := top["minimumDwell"]; ok {
		if p.minimumDwell, err = periodField(raw, "$.minimumDwell"); err != nil {
			return nil, err
		}
	}
	p.maxDockDelay = defaultMaxDockDelay
	if raw, ok := top["maxDockDelay"]; ok {
		if p.maxDockDelay, err = periodField(raw, "$.maxDockDelay"); err != nil {
			return nil, err
		}
		if longerThan(p.maxDockDelay, maxMaxDockDelay) {
			return nil, policyErr(CodeBadDockDelay, "$.maxDockDelay", "maxDockDelay %s is longer than %s: a camera clock set back that far could have footage deleted that much early; use at most %s", p.maxDockDelay, maxMaxDockDelay, maxMaxDockDelay)
		}
	}
	p.releaseGrace = defaultReleaseGrace
	if raw, ok := top["releaseGrace"]; ok {
		if p.releaseGrace, err = periodField(raw, "$.releaseGrace"); err != nil {
			return nil, err
		}
	}
	if p.def, err = parseRule(top["default"], "$.default", false); err != nil {
		return nil, err
	}
	if p.quarantine, err = parseRule(top["quarantine"], "$.quarantine", false); err != nil {
		return nil, err
	}
	if p.incidentLinked, err = parseRule(top["incidentLinked"], "$.incidentLinked", false); err != nil {
		return nil, err
	}
	var items []json.RawMessage
	if err := json.Unmarshal(top["categories"], &items); err != nil || isNull(top["categories"]) {
		return nil, policyErr(CodeWrongType, "$.categories", "categories must be a JSON array of category objects")
	}
	for i, raw := range items {
		path := fmt.Sprintf("$.categories[%d]", i)
		fields, err := objectFields(raw, path)
		if err != nil {
			return nil, err
		}
		name, err := requiredString(fields, "name", path)
		if err != nil {
			return nil, err
		}
		switch {
		case normaliseCategory(name) == Uncategorised:
			return nil, policyErr(CodeReservedCategory, path+".name", "%q is the category of clips without one and is governed by \"default\"; remove this entry or change \"default\"", name)
		case !categoryNameRE.MatchString(name):
			return nil, policyErr(CodeBadCategoryName, path+".name", "category name %q must be 1-32 of lower-case letters, digits and '-'", name)
		}
		if _, dup := p.categories[name]; dup {
			return nil, policyErr(CodeDuplicateCategory, path+".name", "category %q is defined twice; each category may appear once", name)
		}
		rule, err := parseRule(raw, path, true)
		if err != nil {
			return nil, err
		}
		p.categories[name] = rule
		p.names = append(p.names, name)
	}
	sort.Strings(p.names)
	return p, nil
}

// parseRule reads {"period"|"holdUntilReleased", "reviewEvery"?, "description"?} (and "name" for a category).
func parseRule(raw json.RawMessage, path string, named bool) (Rule, error) {
	var r Rule
	fields, err := objectFields(raw, path)
	if err != nil {
		return r, err
	}
	allowed := []string{"period", "holdUntilReleased", "reviewEvery", "description"}
	if named {
		allowed = append(allowed, "name")
	}
	if err := onlyFields(fields, path, allowed...); err != nil {
		return r, err
	}
	_, hasPeriod := fields["period"]
	if rawHold, ok := fields["holdUntilReleased"]; ok {
		if err := json.Unmarshal(rawHold, &r.HoldUntilReleased); err != nil || isNull(rawHold) {
			return r, policyErr(CodeWrongType, path+".holdUntilReleased", "holdUntilReleased must be true or false")
		}
	}
	switch {
	case hasPeriod && r.HoldUntilReleased:
		return r, policyErr(CodeBadRule, path, "a rule has either a \"period\" or \"holdUntilReleased\": true, not both")
	case !hasPeriod && !r.HoldUntilReleased:
		return r, policyErr(CodeBadRule, path, "a rule needs a \"period\" (like \"P31D\") or \"holdUntilReleased\": true")
	}
	if hasPeriod {
		if r.Period, err = periodField(fields["period"], path+".period"); err != nil {
			return r, err
		}
	}
	if rawReview, ok := fields["reviewEvery"]; ok {
		if r.ReviewEvery, err = periodField(rawReview, path+".reviewEvery"); err != nil {
			return r, err
		}
		if hasPeriod && reviewAfterEnd(r.ReviewEvery, r.Period) {
			return r, policyErr(CodeBadReview, path+".reviewEvery", "review interval %s can fall after the end of the period %s, so the footage would be deleted before its review; shorten the review or drop it", r.ReviewEvery, r.Period)
		}
	}
	if rawDesc, ok := fields["description"]; ok {
		if r.Description, err = stringField(rawDesc, path+".description"); err != nil {
			return r, err
		}
	}
	return r, nil
}

// reviewAfterEnd reports whether, for some recorded start, the first review would fall after the deletion date.
// Calendar periods differ in days with the start date, so both are tried on starts across a leap year.
func reviewAfterEnd(review, period Period) bool {
	for m := time.January; m <= time.December; m++ {
		for _, d := range []int{1, 28, 29, 30, 31} {
			start := time.Date(2024, m, d, 12, 0, 0, 0, time.UTC)
			if review.AddTo(start).After(period.AddTo(start)) {
				return true
			}
		}
	}
	return false
}

// longerThan reports whether a can be longer than b for some start date (tried across a leap year, as
// reviewAfterEnd does).
func longerThan(a, b Period) bool { return reviewAfterEnd(a, b) }

func periodField(raw json.RawMessage, path string) (Period, error) {
	s, err := stringField(raw, path)
	if err != nil {
		return Period{}, err
	}
	p, perr := ParsePeriod(s)
	if perr != nil {
		return Period{}, &PolicyError{Code: CodeBadPeriod, Path: path, Message: perr.Error(), Err: perr}
	}
	return p, nil
}

func stringField(raw json.RawMessage, path string) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || isNull(raw) {
		return "", policyErr(CodeWrongType, path, "must be a JSON string")
	}
	return s, nil
}

func requiredString(fields map[string]json.RawMessage, key, path string) (string, error) {
	raw, ok := fields[key]
	if !ok {
		return "", policyErr(CodeMissingField, path, "%q is required here", key)
	}
	return stringField(raw, path+"."+key)
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// objectFields decodes one JSON object into its raw fields.
func objectFields(raw json.RawMessage, path string) (map[string]json.RawMessage, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return nil, policyErr(CodeWrongType, path, "must be a JSON object")
	}
	return fields, nil
}

// onlyFields refuses keys outside allowed, in sorted order so the first error is stable.
func onlyFields(fields map[string]json.RawMessage, path string, allowed ...string) error {
	var unknown []string
	for k := range fields {
		if !contains(allowed, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	k := unknown[0]
	hint := ""
	for _, a := range allowed {
		if strings.EqualFold(a, k) {
			hint = fmt.Sprintf(" (did you mean %q? keys are case-sensitive)", a)
		}
	}
	return policyErr(CodeUnknownField, path+"."+k, "%q is not a field here%s; allowed: %s", k, hint, strings.Join(allowed, ", "))
}

func requireFields(fields map[string]json.RawMessage, path string, required ...string) error {
	for _, k := range required {
		if _, ok := fields[k]; !ok {
			return policyErr(CodeMissingField, path+"."+k, "%q is required", k)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkWellFormed walks the tokens once: one JSON object, nothing after it, and no key twice in any object
// (encoding/json would silently keep the last one, so a duplicated "period" could shorten retention unseen).
func checkWellFormed(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return syntaxErr(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return policyErr(CodeWrongType, "$", "the policy must be one JSON object {...}")
	}
	if err := walkObject(dec, "$"); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return policyErr(CodeSyntax, "$", "there is more content after the policy object; a file holds exactly one object")
	}
	return nil
}

func walkObject(dec *json.Decoder, path string) error {
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return syntaxErr(err)
		}
		key, _ := tok.(string)
		kp := path + "." + key
		if seen[key] {
			return policyErr(CodeDuplicateKey, kp, "key %q appears twice in the same object; keep one", key)
		}
		seen[key] = true
		if err := walkValue(dec, kp); err != nil {
			return err
		}
	}
	_, err := dec.Token() // '}'
	return syntaxErr(err)
}

func walkValue(dec *json.Decoder, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return syntaxErr(err)
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch d {
	case '{':
		return walkObject(dec, path)
	case '[':
		for i := 0; dec.More(); i++ {
			if err := walkValue(dec, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		_, err := dec.Token() // ']'
		return syntaxErr(err)
	}
	return nil
}

func syntaxErr(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		msg = fmt.Sprintf("%s at byte %d", se.Error(), se.Offset)
	} else if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		msg = "the JSON ends too early (a missing '}' or ']'?)"
	}
	return &PolicyError{Code: CodeSyntax, Path: "$", Message: "not valid JSON: " + msg, Err: err}
}
