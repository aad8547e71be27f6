package main

import (
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb"
)

func init() {
	register(command{
		name:    "query",
		summary: "find footage: by officer, incident, station and day, device, status (quarantined, on hold, due, stuck); table, CSV or JSON, paged",
		run:     runQuery,
	})
}

// Reason codes of bwv query (docs/queries.md lists them).
const (
	// CodeQueryKind: no search named, or one bwv query does not know.
	CodeQueryKind reason.Code = "QUERY_KIND_UNKNOWN"
	// CodeQueryFlagMissing: the search needs a flag that was not given.
	CodeQueryFlagMissing reason.Code = "QUERY_FLAG_MISSING"
	// CodeQueryFlagInvalid: a flag's value is wrong (time, number, format).
	CodeQueryFlagInvalid reason.Code = "QUERY_FLAG_INVALID"
	// CodeQueryFlagUnused: a flag the search does not use was given (it
	// would look like a filter that was applied).
	CodeQueryFlagUnused reason.Code = "QUERY_FLAG_UNUSED"
	// CodeQueryContinueInvalid: --continue is not a token of this search
	// with these values.
	CodeQueryContinueInvalid reason.Code = "QUERY_CONTINUE_INVALID"
	// CodeQueryResultCut: more results than --max; what was printed is
	// the first --max read, sorted among themselves only.
	CodeQueryResultCut reason.Code = "QUERY_RESULT_CUT"
	// CodeQueryFailed: Cosmos DB refused or failed the query.
	CodeQueryFailed reason.Code = "QUERY_FAILED"
)

// exitCut: the result was cut at --max.
const exitCut = 3

// queryKinds are the searches, each with the flags it uses.
var queryKinds = map[string][]string{
	"officer":     {"officer", "from", "to"},
	"incident":    {"ref"},
	"station":     {"station", "day"},
	"device":      {"device", "from", "to"},
	"quarantined": {"reason"},
	"on-hold":     {},
	"due":         {"within-days"},
	"stuck":       {"older-than-minutes"},
	"review":      {},
}

// commonQueryFlags are used by every search.
var commonQueryFlags = map[string]bool{"output": true, "page-size": true, "continue": true, "max": true, "settings": true}

func queryUsage(w io.Writer) {
	fmt.Fprintln(w, `usage: bwv query KIND [flags]
  officer     --officer ID --from T [--to T]     an officer's footage (in the officer's partition)
  incident    --ref REF                          everything linked to an incident reference
  station     --station ID --day YYYY-MM-DD      a station's footage on one UTC day
  device      --device ID [--from T] [--to T]    a camera's footage
  quarantined [--reason CODE]                    quarantined clips (with a reason of CODE)
  on-hold                                        clips on legal hold
  due         --within-days N                    clips the sweep will delete within N days
  stuck       [--older-than-minutes N]           clips still received after N minutes (default 60)
  review                                         flagged for a person (retention.review, e.g. RECORDED_START_IMPLAUSIBLE)
common: --output table|csv|json  --page-size N --continue TOKEN (one page)  --max N (default 1000)  --settings FILE
T is RFC 3339 (2026-03-01T14:00:00Z) or a UTC day (2026-03-01). Queries: docs/queries.md.
exit codes: 0 done, 1 query failed, 2 bad flags, 3 result cut at --max`)
}

// queryRequest is a parsed command line.
type queryRequest struct {
	search    cosmosdb.Search
	output    string
	pageSize  int
	cont      string // raw service token ("" = from the start)
	paged     bool   // one page (--page-size or --continue), else all up to max
	max       int
	settings  string
	usedFlags []string
}

// parseQuery turns the command line into a search. Every failure is a
// *reason.Error with one of the codes above.
func parseQuery(args []string, now time.Time, stderr io.Writer) (queryRequest, error) {
	var req queryRequest
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return req, reason.Errorf(CodeQueryKind, nil, "name a search first: one of %s", kindList())
	}
	kind := args[0]
	uses, ok := queryKinds[kind]
	if !ok {
		return req, reason.Errorf(CodeQueryKind, nil, "unknown search %q: one of %s", kind, kindList())
	}
	fs := flag.NewFlagSet("bwv query "+kind, flag.ContinueOnError)
	fs.SetOutput(stderr)
	officer := fs.String("officer", "", "officer id (collar/payroll number; case does not matter)")
	from := fs.String("from", "", "recorded at or after (RFC 3339 or YYYY-MM-DD)")
	to := fs.String("to", "", "recorded before (RFC 3339 or YYYY-MM-DD; default now)")
	ref := fs.String("ref", "", "incident / CAD / crime reference, exactly as recorded")
	station := fs.String("station", "", "station id")
	day := fs.String("day", "", "UTC day, YYYY-MM-DD")
	device := fs.String("device", "", "camera serial")
	reasonCode := fs.String("reason", "", "quarantine reason code (docs/metadata.md)")
	within := fs.String("within-days", "", "days ahead (0 = due now)")
	older := fs.String("older-than-minutes", "60", "minutes since received")
	fs.StringVar(&req.output, "output", "table", "table, csv or json")
	pageSize := fs.String("page-size", "0", "items per page; given, one page is printed with the token for the next (0 = all, up to --max)")
	fs.StringVar(&req.cont, "continue", "", "token printed by the previous page")
	maxItems := fs.String("max", "1000", "most items read when not paging")
	fs.StringVar(&req.settings, "settings", "", "settings of the pipeline (default: as bwv status; BWV_COSMOS_ENDPOINT overrides)")
	if err := fs.Parse(args[1:]); err != nil {
		return req, reason.Errorf(CodeQueryFlagInvalid, err, "bwv query %s", kind)
	}
	if fs.NArg() > 0 {
		return req, reason.Errorf(CodeQueryFlagInvalid, nil, "unexpected argument %q", fs.Arg(0))
	}
	allowed := map[string]bool{}
	for _, f := range uses {
		allowed[f] = true
	}
	var bad []string
	fs.Visit(func(f *flag.Flag) {
		req.usedFlags = append(req.usedFlags, f.Name)
		if !allowed[f.Name] && !commonQueryFlags[f.Name] {
			bad = append(bad, "--"+f.Name)
		}
	})
	if len(bad) > 0 {
		return req, reason.Errorf(CodeQueryFlagUnused, nil, "bwv query %s does not use %s", kind, strings.Join(bad, ", "))
	}
	switch req.output {
	case "table", "csv", "json":
	default:
		return req, reason.Errorf(CodeQueryFlagInvalid, nil, "--output %q: one of table, csv, json", req.output)
	}
	var err error
	if req.pageSize, err = nonNegative("page-size", *pageSize, 1000); err != nil {
		return req, err
	}
	if req.max, err = nonNegative("max", *maxItems, 100000); err != nil {
		return req, err
	}
	if req.max == 0 {
		return req, reason.Errorf(CodeQueryFlagInvalid, nil, "--max 0: give at least 1")
	}
	req.paged = req.pageSize > 0 || req.cont != ""

	need := func(name, v string) error {
		if strings.TrimSpace(v) == "" {
			return reason.Errorf(CodeQueryFlagMissing, nil, "bwv query %s needs --%s", kind, name)
		}
		return nil
	}
	window := func(defaultFrom time.Time) (time.Time, time.Time, error) {
		f, t := defaultFrom, now
		var err error
		if *from != "" {
			if f, err = parseQueryTime("from", *from); err != nil {
				return f, t, err
			}
		}
		if *to != "" {
			if t, err = parseQueryTime("to", *to); err != nil {
				return f, t, err
			}
		}
		if !f.Before(t) {
			return f, t, reason.Errorf(CodeQueryFlagInvalid, nil, "--from %s is not before --to %s", clip.At(f), clip.At(t))
		}
		return f, t, nil
	}
	switch kind {
	case "officer":
		if err := need("officer", *officer); err != nil {
			return req, err
		}
		if err := need("from", *from); err != nil {
			return req, err
		}
		f, t, err := window(time.Time{})
		if err != nil {
			return req, err
		}
		req.search = cosmosdb.SearchOfficer(*officer, f, t)
	case "incident":
		if err := need("ref", *ref); err != nil {
			return req, err
		}
		req.search = cosmosdb.SearchIncident(*ref)
	case "station":
		if err := need("station", *station); err != nil {
			return req, err
		}
		if err := need("day", *day); err != nil {
			return req, err
		}
		d, err := time.Parse(time.DateOnly, *day)
		if err != nil {
			return req, reason.Errorf(CodeQueryFlagInvalid, nil, "--day %q: a UTC day, YYYY-MM-DD", *day)
		}
		req.search = cosmosdb.SearchStation(*station, d)
	case "device":
		if err := need("device", *device); err != nil {
			return req, err
		}
		// No --from: since the epoch (every clip of the camera).
		f, t, err := window(time.Unix(0, 0))
		if err != nil {
			return req, err
		}
		req.search = cosmosdb.SearchDevice(*device, f, t)
	case "quarantined":
		req.search = cosmosdb.SearchQuarantined(clip.Code(strings.ToUpper(strings.TrimSpace(*reasonCode))))
	case "on-hold":
		req.search = cosmosdb.SearchOnHold()
	case "due":
		if err := need("within-days", *within); err != nil {
			return req, err
		}
		n, err := nonNegative("within-days", *within, 36600)
		if err != nil {
			return req, err
		}
		req.search = cosmosdb.SearchDueWithin(now, n)
	case "stuck":
		n, err := nonNegative("older-than-minutes", *older, 525600)
		if err != nil {
			return req, err
		}
		req.search = cosmosdb.SearchStuck(now, time.Duration(n)*time.Minute)
	case "review":
		req.search = cosmosdb.SearchFlaggedForReview()
	}
	if req.cont != "" {
		raw, err := openToken(req.cont, req.search)
		if err != nil {
			return req, err
		}
		req.cont = raw
	}
	return req, nil
}

func kindList() string {
	return "officer, incident, station, device, quarantined, on-hold, due, stuck, review"
}

func nonNegative(name, v string, limit int) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 || n > limit {
		return 0, reason.Errorf(CodeQueryFlagInvalid, nil, "--%s %q: a whole number from 0 to %d", name, v, limit)
	}
	return n, nil
}

func parseQueryTime(name, v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	return time.Time{}, reason.Errorf(CodeQueryFlagInvalid, nil, "--%s %q: RFC 3339 (2026-03-01T14:00:00Z) or a UTC day (2026-03-01)", name, v)
}

// A continuation token as printed: the service's token bound to the search
// that issued it, so a token is never replayed against another query.
type queryToken struct {
	Search string `json:"q"`
	Cont   string `json:"c"`
}

func sealToken(raw string, s cosmosdb.Search) string {
	b, _ := json.Marshal(queryToken{Search: s.Fingerprint(), Cont: raw})
	return base64.RawURLEncoding.EncodeToString(b)
}

func openToken(tok string, s cosmosdb.Search) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimSpace(tok))
	var t queryToken
	if err == nil {
		err = json.Unmarshal(b, &t)
	}
	if err != nil || t.Cont == "" {
		return "", reason.Errorf(CodeQueryContinueInvalid, nil, "--continue: not a token printed by bwv query")
	}
	if t.Search != s.Fingerprint() {
		return "", reason.Errorf(CodeQueryContinueInvalid, nil, "--continue: the token belongs to another search or other flag values; repeat the flags of the first page")
	}
	return t.Cont, nil
}
