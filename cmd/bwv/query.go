package main

import (
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/localrun"
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

// queryResult is what bwv query prints.
type queryResult struct {
	Search         string      `json:"search"`
	CrossPartition bool        `json:"crossPartition"`
	Items          []clip.Clip `json:"items"`
	Continuation   string      `json:"continuation,omitempty"`
	Pages          int         `json:"pages"`
	RequestCharge  float64     `json:"requestCharge"`
	Cut            bool        `json:"cut,omitempty"`
}

// openQueryStore connects to Cosmos: BWV_COSMOS_ENDPOINT (and the other
// BWV_COSMOS_* settings the handler reads) when set, else the local
// pipeline's settings as bwv status finds them.
func openQueryStore(settings string) (*cosmosdb.Store, error) {
	if v, ok := os.LookupEnv("BWV_COSMOS_ENDPOINT"); ok && strings.TrimSpace(v) != "" {
		return openCosmos(os.LookupEnv)
	}
	target, err := localrun.LoadTarget(settings)
	if err != nil {
		return nil, err
	}
	c, err := localrun.Connect(target)
	if err != nil {
		return nil, err
	}
	return c.Records, nil
}

func runQuery(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		queryUsage(stdout)
		return exitOK
	}
	req, err := parseQuery(args, time.Now(), stderr)
	if errors.Is(err, flag.ErrHelp) { // KIND -h: the flag set printed its flags
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "bwv query:", err)
		queryUsage(stderr)
		return exitUsage
	}
	st, err := openQueryStore(req.settings)
	if err != nil {
		fmt.Fprintln(stderr, "bwv query:", err)
		return exitError
	}
	res, err := execQuery(ctx, st, req)
	if err != nil {
		fmt.Fprintln(stderr, "bwv query:", reason.Errorf(CodeQueryFailed, err, "%s", req.search.Name))
		return exitError
	}
	if err := printQuery(stdout, req.output, res); err != nil {
		fmt.Fprintln(stderr, "bwv query:", err)
		return exitError
	}
	fmt.Fprintf(stderr, "%d clips, %d pages, %.2f RU (%s)\n", len(res.Items), res.Pages, res.RequestCharge, partitionNote(res))
	if res.Continuation != "" {
		fmt.Fprintf(stderr, "next page: --continue %s\n", res.Continuation)
	}
	if res.Cut {
		fmt.Fprintf(stderr, "bwv query: %s: stopped at --max %d; more clips match. The rows are sorted among those read only: narrow the search, raise --max, or page with --page-size\n", CodeQueryResultCut, req.max)
		return exitCut
	}
	return exitOK
}

func partitionNote(r queryResult) string {
	if r.CrossPartition {
		return "across partitions, sorted here"
	}
	return "one officer's partition, sorted by Cosmos"
}

// execQuery reads one page (paged) or every page up to max, and sorts a
// cross-partition result on the client.
func execQuery(ctx context.Context, st *cosmosdb.Store, req queryRequest) (queryResult, error) {
	res := queryResult{Search: req.search.Name, CrossPartition: req.search.CrossPartition(), Items: []clip.Clip{}}
	cont := req.cont
	for {
		size := req.pageSize
		if !req.paged && size == 0 {
			size = min(req.max-len(res.Items)+1, 1000) // one over max tells "more" from "exactly max"
		}
		p, err := st.Search(ctx, req.search, size, cont)
		if err != nil {
			return res, err
		}
		res.Pages++
		res.RequestCharge += p.RequestCharge
		res.Items = append(res.Items, p.Items...)
		cont = p.Continuation
		if req.paged {
			if cont != "" {
				res.Continuation = sealToken(cont, req.search)
			}
			break
		}
		if len(res.Items) > req.max {
			res.Items, res.Cut = res.Items[:req.max], true
			break
		}
		if cont == "" {
			break
		}
	}
	if res.CrossPartition {
		cosmosdb.SortSearchResults(res.Items, req.search.SortBy)
	}
	return res, nil
}

var queryColumns = []string{"RECORDED", "OFFICER", "STATION", "DEVICE", "STATUS", "INCIDENTS", "REASONS", "HOLD", "RETAIN UNTIL", "BLOB", "CLIP ID"}

// queryRow is one clip's cells; empty is what an absent value shows as
// ("-" in the table, "" in CSV).
func queryRow(c clip.Clip, empty string) []string {
	or := func(v string) string {
		if v == "" {
			return empty
		}
		return v
	}
	t := func(p *clip.Time) string {
		if p == nil {
			return empty
		}
		return p.String()
	}
	var reasons []string
	for _, r := range c.Reasons {
		reasons = append(reasons, string(r.Code))
	}
	hold := ""
	switch {
	case c.Retention.LegalHold:
		hold = "legal"
	case c.Retention.HeldUntilReleased:
		hold = "until-released"
	}
	return []string{t(c.RecordedStart), c.OfficerID, or(c.StationID), or(c.DeviceID), string(c.Status),
		or(strings.Join(c.IncidentRefs, ";")), or(strings.Join(reasons, ";")), or(hold), t(c.Retention.RetainUntil),
		or(c.Blob.Name), c.ID}
}

func printQuery(w io.Writer, output string, res queryResult) error {
	switch output {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	case "csv":
		cw := csv.NewWriter(w)
		head := make([]string, len(queryColumns))
		for i, c := range queryColumns {
			head[i] = strings.ToLower(strings.ReplaceAll(c, " ", "_"))
		}
		_ = cw.Write(head)
		for _, c := range res.Items {
			_ = cw.Write(queryRow(c, ""))
		}
		cw.Flush()
		return cw.Error()
	default:
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(queryColumns, "\t"))
		for _, c := range res.Items {
			fmt.Fprintln(tw, strings.Join(queryRow(c, "-"), "\t"))
		}
		return tw.Flush()
	}
}
