package cosmosdb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// The analysts' and disclosure officers' searches (`bwv query`). Each one is
// a query of docs/queries.md, word for word (a test compares them), served
// by the index it names there. Values are always query parameters, never
// text built into the SQL.
//
// Only the officer search runs in one partition (the clips container is
// partitioned by /officerId) and so may ORDER BY on the service. Every other
// search crosses partitions and is a plain filter: Azure's gateway refuses
// cross-partition ORDER BY, TOP, aggregates, DISTINCT and GROUP BY to the Go
// SDK (azure-sdk-for-go#23128, docs/platform-facts.md). Their callers sort on
// the client (SortSearchResults) over a bounded read.

// SearchProjection is the fields every search returns: enough for a table,
// a CSV row or a disclosure schedule, not the whole record.
const SearchProjection = "SELECT c.id, c.officerId, c.deviceId, c.stationId, c.recordedStart, c.recordedEnd," +
	" c.status, c.incidentRefs, c.categories, c.reasons, c.retention, c.blob, c.receivedAt, c.updatedAt FROM c"

// Search is one parameterised query of docs/queries.md.
type Search struct {
	// Name is the search's name in docs/queries.md and `bwv query`.
	Name string
	// SQL is the query text; every value is a parameter in Params.
	SQL    string
	Params []azcosmos.QueryParameter
	// Partition is the officer whose partition the query runs in; "" means
	// across every partition (a plain filter, no ORDER BY).
	Partition string
	// Index names the index of ClipsIndexingPolicy that serves the query:
	// a composite index as its paths joined by ", " (each with ASC/DESC),
	// or one path served by the range index that include "/*" gives it.
	Index string
	// SortBy is the field results are shown by, newest or soonest first
	// (the service's ORDER BY in a partition, SortSearchResults otherwise).
	SortBy SortKey
}

// SortKey is the field a result list is ordered by.
type SortKey string

// Sort keys.
const (
	SortRecordedStartDesc SortKey = "recordedStart DESC"
	SortReceivedAtAsc     SortKey = "receivedAt ASC"
	SortRetainUntilAsc    SortKey = "retention.retainUntil ASC"
)

// CrossPartition says the query runs across every officer partition.
func (s Search) CrossPartition() bool { return s.Partition == "" }

// Fingerprint identifies the query and its parameter values: a continuation
// token is only valid for the query that issued it.
func (s Search) Fingerprint() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s", s.Name, s.SQL, s.Partition)
	for _, p := range s.Params {
		fmt.Fprintf(h, "\x00%s=%v", p.Name, p.Value)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func clipTypeParam() azcosmos.QueryParameter {
	return azcosmos.QueryParameter{Name: "@type", Value: clip.DocTypeClip}
}

// SearchOfficer is an officer's footage recorded in [from, to): the hot
// query, inside the officer's partition, ordered by the service.
func SearchOfficer(officer string, from, to time.Time) Search {
	officer = strings.ToUpper(strings.TrimSpace(officer))
	return Search{
		Name: "officer",
		SQL: SearchProjection + " WHERE c.officerId = @officer AND c.type = @type" +
			" AND c.recordedStart >= @from AND c.recordedStart < @to ORDER BY c.recordedStart DESC",
		Params: []azcosmos.QueryParameter{{Name: "@officer", Value: officer}, clipTypeParam(),
			{Name: "@from", Value: clip.At(from).String()}, {Name: "@to", Value: clip.At(to).String()}},
		Partition: officer,
		Index:     "/officerId ASC, /recordedStart DESC",
		SortBy:    SortRecordedStartDesc,
	}
}

// SearchIncident is every clip linked to an incident reference.
func SearchIncident(ref string) Search {
	return Search{
		Name:   "incident",
		SQL:    SearchProjection + " WHERE c.type = @type AND ARRAY_CONTAINS(c.incidentRefs, @ref)",
		Params: []azcosmos.QueryParameter{clipTypeParam(), {Name: "@ref", Value: strings.TrimSpace(ref)}},
		Index:  "/incidentRefs/[]",
		SortBy: SortRecordedStartDesc,
	}
}

// SearchStation is a station's footage recorded on one UTC day.
func SearchStation(station string, day time.Time) Search {
	start := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	return Search{
		Name: "station",
		SQL: SearchProjection + " WHERE c.type = @type AND c.stationId = @station" +
			" AND c.recordedStart >= @dayStart AND c.recordedStart < @dayEnd",
		Params: []azcosmos.QueryParameter{clipTypeParam(), {Name: "@station", Value: strings.TrimSpace(station)},
			{Name: "@dayStart", Value: clip.At(start).String()}, {Name: "@dayEnd", Value: clip.At(start.AddDate(0, 0, 1)).String()}},
		Index:  "/stationId ASC, /recordedStart DESC",
		SortBy: SortRecordedStartDesc,
	}
}

// SearchDevice is a camera's footage recorded in [from, to).
func SearchDevice(device string, from, to time.Time) Search {
	return Search{
		Name: "device",
		SQL: SearchProjection + " WHERE c.type = @type AND c.deviceId = @device" +
			" AND c.recordedStart >= @from AND c.recordedStart < @to",
		Params: []azcosmos.QueryParameter{clipTypeParam(), {Name: "@device", Value: strings.TrimSpace(device)},
			{Name: "@from", Value: clip.At(from).String()}, {Name: "@to", Value: clip.At(to).String()}},
		Index:  "/deviceId",
		SortBy: SortRecordedStartDesc,
	}
}

// SearchQuarantined is every quarantined clip; with a reason code, only
// those with a reason of that code. Reasons are not indexed (/reasons/* is
// excluded): the status index narrows, the reason test runs on what it finds.
func SearchQuarantined(code clip.Code) Search {
	s := Search{
		Name:   "quarantined",
		SQL:    SearchProjection + " WHERE c.type = @type AND c.status = @status",
		Params: []azcosmos.QueryParameter{clipTypeParam(), {Name: "@status", Value: string(clip.StatusQuarantined)}},
		Index:  "/status ASC, /receivedAt DESC",
		SortBy: SortRecordedStartDesc,
	}
	if code != "" {
		s.Name = "quarantined-reason"
		s.SQL = SearchProjection + " WHERE c.type = @type AND c.status = @status" +
			" AND EXISTS(SELECT VALUE r FROM r IN c.reasons WHERE r.code = @code)"
		s.Params = append(s.Params, azcosmos.QueryParameter{Name: "@code", Value: string(code)})
	}
	return s
}

// SearchOnHold is every clip on legal hold.
func SearchOnHold() Search {
	return Search{
		Name:   "on-hold",
		SQL:    SearchProjection + " WHERE c.type = @type AND c.retention.legalHold = true",
		Params: []azcosmos.QueryParameter{clipTypeParam()},
		Index:  "/retention/legalHold ASC, /recordedStart DESC",
		SortBy: SortRecordedStartDesc,
	}
}

// SearchDueWithin is every clip the sweep would delete by now+days: the
// sweep's own rule (DueForDeletion) with a later horizon.
func SearchDueWithin(now time.Time, days int) Search {
	return Search{
		Name: "due",
		SQL: SearchProjection + " WHERE c.type = @type AND c.status IN (@verified, @quarantined)" +
			" AND c.retention.legalHold = false AND c.retention.heldUntilReleased = false" +
			" AND c.retention.retainUntil <= @until",
		Params: []azcosmos.QueryParameter{clipTypeParam(), {Name: "@verified", Value: string(clip.StatusVerified)},
			{Name: "@quarantined", Value: string(clip.StatusQuarantined)},
			{Name: "@until", Value: clip.At(now.AddDate(0, 0, days)).String()}},
		Index:  "/status ASC, /retention/retainUntil ASC",
		SortBy: SortRetainUntilAsc,
	}
}

// SearchStuck is every clip still received more than olderThan before now
// (poison-queue suspects).
func SearchStuck(now time.Time, olderThan time.Duration) Search {
	return Search{
		Name:   "stuck",
		SQL:    SearchProjection + " WHERE c.type = @type AND c.status = @status AND c.receivedAt < @before",
		Params: []azcosmos.QueryParameter{clipTypeParam(), {Name: "@status", Value: string(clip.StatusReceived)}, {Name: "@before", Value: clip.At(now.Add(-olderThan)).String()}},
		Index:  "/status ASC, /receivedAt DESC",
		SortBy: SortReceivedAtAsc,
	}
}

// SearchFlaggedForReview is every clip whose schedule a person should look
// at: retention.review is set (RECORDED_START_IMPLAUSIBLE: a recorded start
// more than the policy's maxDockDelay before receipt, so its periods count
// from receipt). Oldest receipt first: the longest waiting.
func SearchFlaggedForReview() Search {
	return Search{
		Name:   "review",
		SQL:    SearchProjection + " WHERE c.type = @type AND IS_DEFINED(c.retention.review)",
		Params: []azcosmos.QueryParameter{clipTypeParam()},
		Index:  "/retention/review/code",
		SortBy: SortReceivedAtAsc,
	}
}

// SearchPage is one page of a search.
type SearchPage struct {
	Items        []clip.Clip
	Continuation string // "" = no more pages
	// RequestCharge is the page's x-ms-request-charge in RU (the local
	// server reports 1 for everything; real charges are Azure's).
	RequestCharge float64
}

// Search runs one page of s. pageSize is a hint (<= 0: the service's
// default); continuation resumes after an earlier page of the same search.
func (st *Store) Search(ctx context.Context, s Search, pageSize int, continuation string) (SearchPage, error) {
	pk := azcosmos.NewPartitionKey()
	if s.Partition != "" {
		pk = azcosmos.NewPartitionKeyString(s.Partition)
	}
	opts := &azcosmos.QueryOptions{QueryParameters: s.Params}
	if pageSize > 0 {
		opts.PageSizeHint = int32(pageSize)
	}
	if continuation != "" {
		opts.ContinuationToken = &continuation
	}
	var out SearchPage
	pager := st.clips.NewQueryItemsPager(s.SQL, pk, opts)
	if !pager.More() {
		return out, nil
	}
	page, err := pager.NextPage(ctx)
	if err != nil {
		return out, classify(err, "query %s", s.Name)
	}
	out.RequestCharge = float64(page.RequestCharge)
	for _, raw := range page.Items {
		var c clip.Clip
		if err := json.Unmarshal(raw, &c); err != nil {
			return out, clip.Wrap(clip.Internal, err, "query %s: decoding an item", s.Name)
		}
		out.Items = append(out.Items, c)
	}
	if page.ContinuationToken != nil {
		out.Continuation = *page.ContinuationToken
	}
	return out, nil
}

// SortSearchResults orders items by key, ties by id, on the client: what a
// cross-partition ORDER BY would do if the gateway served it.
func SortSearchResults(items []clip.Clip, key SortKey) {
	at := func(c clip.Clip) string {
		switch key {
		case SortReceivedAtAsc:
			return c.ReceivedAt.String()
		case SortRetainUntilAsc:
			if c.Retention.RetainUntil != nil {
				return c.Retention.RetainUntil.String()
			}
		default:
			if c.RecordedStart != nil {
				return c.RecordedStart.String()
			}
		}
		return ""
	}
	desc := key == SortRecordedStartDesc
	sort.SliceStable(items, func(i, j int) bool {
		a, b := at(items[i]), at(items[j])
		if a != b {
			return (a > b) == desc
		}
		return items[i].ID < items[j].ID
	})
}
