package main

// Running a parsed query against Cosmos and printing its result.

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/localrun"
	"github.com/bwv-ingest/bwv-ingest/internal/reason"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb"
)

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
