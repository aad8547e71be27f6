package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/localsvc/localsvctest"
	"github.com/bwv-ingest/bwv-ingest/internal/reason"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb"
)

// TestQueryFlagsRefusedWithStableCodes: every bad command line is refused
// before any I/O with its reason code, and exits 2.
func TestQueryFlagsRefusedWithStableCodes(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		args []string
		code reason.Code
	}{
		{nil, CodeQueryKind},
		{[]string{"--officer", "AB1"}, CodeQueryKind},
		{[]string{"everything"}, CodeQueryKind},
		{[]string{"officer", "--from", "2026-05-01"}, CodeQueryFlagMissing},
		{[]string{"officer", "--officer", "AB1"}, CodeQueryFlagMissing},
		{[]string{"officer", "--officer", "AB1", "--from", "yesterday"}, CodeQueryFlagInvalid},
		{[]string{"officer", "--officer", "AB1", "--from", "2026-05-02", "--to", "2026-05-01"}, CodeQueryFlagInvalid},
		{[]string{"officer", "--officer", "AB1", "--from", "2026-05-01", "--station", "ST-01"}, CodeQueryFlagUnused},
		{[]string{"incident"}, CodeQueryFlagMissing},
		{[]string{"station", "--station", "ST-01", "--day", "01/05/2026"}, CodeQueryFlagInvalid},
		{[]string{"due"}, CodeQueryFlagMissing},
		{[]string{"due", "--within-days", "-1"}, CodeQueryFlagInvalid},
		{[]string{"stuck", "--older-than-minutes", "ten"}, CodeQueryFlagInvalid},
		{[]string{"on-hold", "--output", "xml"}, CodeQueryFlagInvalid},
		{[]string{"on-hold", "--page-size", "5000"}, CodeQueryFlagInvalid},
		{[]string{"on-hold", "--max", "0"}, CodeQueryFlagInvalid},
		{[]string{"on-hold", "--continue", "not-a-token"}, CodeQueryContinueInvalid},
		{[]string{"on-hold", "--continue", sealToken("x", cosmosdb.SearchIncident("R1"))}, CodeQueryContinueInvalid},
		{[]string{"on-hold", "--nope"}, CodeQueryFlagInvalid},
		{[]string{"on-hold", "extra"}, CodeQueryFlagInvalid},
		{[]string{"review", "--officer", "AB1"}, CodeQueryFlagUnused},
	} {
		_, err := parseQuery(tc.args, now, io.Discard)
		if got := reason.CodeOf(err); got != tc.code {
			t.Errorf("%q: code %q (%v), want %s", tc.args, got, err, tc.code)
		}
	}
	if code, _, stderr := runBwv(t, "query", "officer", "--officer", "AB1"); code != exitUsage || !strings.Contains(stderr, string(CodeQueryFlagMissing)) {
		t.Errorf("exit %d, stderr %s", code, stderr)
	}
	// A token is bound to its search and values.
	s := cosmosdb.SearchStation("ST-01", now)
	if raw, err := openToken(sealToken("abc", s), s); err != nil || raw != "abc" {
		t.Fatalf("token round trip: %q %v", raw, err)
	}
	if _, err := openToken(sealToken("abc", s), cosmosdb.SearchStation("ST-02", now)); reason.CodeOf(err) != CodeQueryContinueInvalid {
		t.Fatalf("token of another station accepted: %v", err)
	}
}

// TestQueryCommandOnLocalCosmos runs bwv query against the local Cosmos
// server: paging by printed tokens returns every clip once, --max cuts with
// exit 3, CSV and table are well formed, the officer's case does not matter.
func TestQueryCommandOnLocalCosmos(t *testing.T) {
	cs := localsvctest.Cosmos(t)
	opts := cosmosdb.Options{Endpoint: cs.Endpoint, Key: cs.Key, Database: "bwv", Clips: "clips", Audit: "audit"}
	st, err := cosmosdb.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := st.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BWV_COSMOS_ENDPOINT", cs.Endpoint)
	t.Setenv("BWV_COSMOS_KEY", cs.Key)
	day := time.Date(2026, 5, 20, 0, 0, 0, 0, time.UTC)
	var want []string
	for i := range 60 {
		c := clip.Clip{ID: fmt.Sprintf("q%03d", i), Type: clip.DocTypeClip, OfficerID: fmt.Sprintf("OFF%d", i%7), StationID: "ST-01",
			DeviceID: "CAM-1", RecordedStart: clip.Ptr(day.Add(time.Duration(i) * 10 * time.Minute)), Status: clip.StatusVerified,
			IncidentRefs: []string{}, Categories: []string{"uncategorised"}, Reasons: []clip.Reason{}}
		if i%5 == 0 {
			c.StationID = "ST-02"
		} else {
			want = append(want, c.ID)
		}
		if _, err := st.CreateClip(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(want)

	// Page through by the printed tokens.
	var got []string
	args := []string{"query", "station", "--station", "ST-01", "--day", "2026-05-20", "--output", "json", "--page-size", "7"}
	for pages := 0; ; pages++ {
		code, stdout, stderr := runBwv(t, args...)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var res queryResult
		if err := json.Unmarshal([]byte(stdout), &res); err != nil {
			t.Fatalf("%v\n%s", err, stdout)
		}
		if len(res.Items) > 7 || !res.CrossPartition || res.RequestCharge <= 0 {
			t.Fatalf("page %d: %d items, cross %v, charge %v", pages, len(res.Items), res.CrossPartition, res.RequestCharge)
		}
		for _, c := range res.Items {
			got = append(got, c.ID)
		}
		if res.Continuation == "" {
			if strings.Contains(stderr, "--continue") {
				t.Errorf("last page still prints a token: %s", stderr)
			}
			break
		}
		if !strings.Contains(stderr, "next page: --continue "+res.Continuation) {
			t.Errorf("token not printed on stderr: %s", stderr)
		}
		args = append(args[:10:10], "--continue", res.Continuation)
		if pages > 20 {
			t.Fatal("continuation never ends")
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("paged ids %v\nwant %v", got, want)
	}

	// All at once, CSV, sorted newest first on the client.
	code, stdout, stderr := runBwv(t, "query", "station", "--station", "ST-01", "--day", "2026-05-20", "--output", "csv")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil || len(rows) != len(want)+1 || rows[0][0] != "recorded" {
		t.Fatalf("csv: %v, %d rows, header %v", err, len(rows), rows[0])
	}
	if !slices.IsSortedFunc(rows[1:], func(a, b []string) int { return strings.Compare(b[0], a[0]) }) {
		t.Errorf("csv not newest first")
	}

	// --max cuts, says so with its code and exits 3.
	code, _, stderr = runBwv(t, "query", "station", "--station", "ST-01", "--day", "2026-05-20", "--max", "10", "--output", "json")
	if code != exitCut || !strings.Contains(stderr, string(CodeQueryResultCut)) {
		t.Fatalf("--max 10: exit %d, %s", code, stderr)
	}
	// Exactly --max matches is not a cut.
	if code, _, stderr = runBwv(t, "query", "station", "--station", "ST-01", "--day", "2026-05-20", "--max", fmt.Sprint(len(want))); code != exitOK {
		t.Fatalf("--max = matches: exit %d, %s", code, stderr)
	}

	// The officer's partition, lower case on the command line, as a table.
	code, stdout, stderr = runBwv(t, "query", "officer", "--officer", "off3", "--from", "2026-05-20", "--to", "2026-05-21")
	if code != exitOK || !strings.Contains(stderr, "one officer's partition") {
		t.Fatalf("officer: exit %d, %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 1+60/7+1 || !regexp.MustCompile(`^RECORDED\s+OFFICER`).MatchString(lines[0]) {
		t.Fatalf("officer table:\n%s", stdout)
	}
}
