package localrun

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// Status is the operator's view of a running pipeline.
type Status struct {
	At     time.Time      `json:"at"`
	Host   HostStatus     `json:"host"`
	Queues []QueueStatus  `json:"queues"`
	Counts map[string]int `json:"countsByStatus"`
	// Clips are the most recently updated clips, newest first.
	Clips []ClipRow `json:"clips"`
	// Scanned is how many records changed within the window, read in
	// Pages query pages.
	Scanned int `json:"scanned"`
	Pages   int `json:"pages"`
	// Errors lists parts that could not be read (the rest is still shown).
	Errors []string `json:"errors,omitempty"`
}

// HostStatus is GET /admin/host/status of the local host.
type HostStatus struct {
	Reachable     bool                     `json:"reachable"`
	State         string                   `json:"state,omitempty"`
	HandlerPID    int                      `json:"handlerPid,omitempty"`
	HandlerStarts int                      `json:"handlerStarts,omitempty"`
	Functions     map[string]FunctionStats `json:"functions,omitempty"`
}

// FunctionStats are one function's invocation counts since the host started.
type FunctionStats struct {
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
	Poisoned  int `json:"poisoned"`
}

// QueueStatus is one queue's depth, and for a poison queue the clips its
// first messages name.
type QueueStatus struct {
	Name     string   `json:"name"`
	Messages int      `json:"approximateMessages"`
	Poison   bool     `json:"poison"`
	Names    []string `json:"peekedClips,omitempty"`
}

// ClipRow is one line of the recent-clips table.
type ClipRow struct {
	ID        string      `json:"id"`
	Officer   string      `json:"officerId"`
	Status    clip.Status `json:"status"`
	Blob      string      `json:"blob"`
	Size      int64       `json:"size"`
	Reasons   []clip.Code `json:"reasons,omitempty"`
	UpdatedAt time.Time   `json:"updatedAt"`
	Moved     bool        `json:"contentMovedToQuarantine,omitempty"`
}

// StatusOptions bounds the view.
type StatusOptions struct {
	Limit    int           // clips shown (default 20)
	Since    time.Duration // window of updatedAt (default 24h)
	PageSize int32         // Cosmos page size (default 100)
	Now      time.Time
}

// ReadStatus gathers the operator's view. Each part fails on its own: a
// stopped host still leaves queue and clip figures readable.
func ReadStatus(ctx context.Context, c *Clients, o StatusOptions) Status {
	if o.Limit <= 0 {
		o.Limit = 20
	}
	if o.Since <= 0 {
		o.Since = 24 * time.Hour
	}
	if o.PageSize <= 0 {
		o.PageSize = 100
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	st := Status{At: o.Now.UTC(), Counts: map[string]int{}}
	var err error
	if st.Host, err = readHost(ctx, c.Target); err != nil {
		st.Errors = append(st.Errors, err.Error())
	}
	for _, q := range []string{c.Target.VerifyQueue, c.Target.PoisonQueue()} {
		qs, err := readQueue(ctx, c, q, q == c.Target.PoisonQueue())
		if err != nil {
			st.Errors = append(st.Errors, err.Error())
			continue
		}
		st.Queues = append(st.Queues, qs)
	}
	rows, pages, err := recentClips(ctx, c, o)
	st.Pages = pages
	if err != nil {
		st.Errors = append(st.Errors, err.Error())
	}
	st.Scanned = len(rows)
	for _, r := range rows {
		st.Counts[string(r.Status)]++
	}
	if len(rows) > o.Limit {
		rows = rows[:o.Limit]
	}
	st.Clips = rows
	return st
}

func readHost(ctx context.Context, t Target) (HostStatus, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.HostURL+"/admin/host/status", nil)
	if err != nil {
		return HostStatus{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return HostStatus{}, unreachableOr(err, CodeUnreachable, "local Functions host at %s", t.HostURL)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return HostStatus{}, reason.Errorf(CodeUnreachable, nil, "local Functions host at %s answered %s to /admin/host/status", t.HostURL, resp.Status)
	}
	h := HostStatus{Reachable: true}
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		return HostStatus{}, reason.Errorf(CodeUnreachable, err, "local Functions host status is not JSON")
	}
	h.Reachable = true
	return h, nil
}

func readQueue(ctx context.Context, c *Clients, name string, poison bool) (QueueStatus, error) {
	qc := c.Queues.NewQueueClient(name)
	props, err := qc.GetProperties(ctx, nil)
	if err != nil {
		return QueueStatus{}, unreachableOr(err, CodeUnreachable, "queue %s", name)
	}
	qs := QueueStatus{Name: name, Poison: poison}
	if props.ApproximateMessagesCount != nil {
		qs.Messages = int(*props.ApproximateMessagesCount)
	}
	if poison && qs.Messages > 0 {
		peek, err := qc.PeekMessages(ctx, &azqueue.PeekMessagesOptions{NumberOfMessages: to.Ptr(int32(5))})
		if err != nil {
			return qs, unreachableOr(err, CodeUnreachable, "peeking queue %s", name)
		}
		for _, m := range peek.Messages {
			if m.MessageText != nil {
				qs.Names = append(qs.Names, describeMessage(*m.MessageText))
			}
		}
	}
	return qs, nil
}

// describeMessage names the clip a verify message is about. Messages are
// base64 (host.json messageEncoding) holding JSON; anything else is shown
// as a short prefix.
func describeMessage(text string) string {
	raw := []byte(text)
	if b, err := base64.StdEncoding.DecodeString(text); err == nil {
		raw = b
	}
	var m struct {
		ClipID    string `json:"clipId"`
		OfficerID string `json:"officerId"`
		Name      string `json:"name"`
	}
	if json.Unmarshal(raw, &m) == nil && m.ClipID != "" {
		return fmt.Sprintf("%s (%s, %s)", m.ClipID, m.OfficerID, m.Name)
	}
	if len(raw) > 60 {
		raw = append(raw[:60:60], "…"...)
	}
	return string(raw)
}

// recentClips reads the clips updated within the window, across every
// officer partition, newest first. cosmosdb.ClipsUpdatedSince is a
// gateway-safe filter that follows continuation tokens (no ORDER BY, no TOP:
// docs/platform-facts.md), so the sort is done here.
func recentClips(ctx context.Context, c *Clients, o StatusOptions) ([]ClipRow, int, error) {
	var rows []ClipRow
	pages, err := c.Records.ClipsUpdatedSince(ctx, o.Now.Add(-o.Since), int(o.PageSize), func(recs []clip.Clip) {
		for _, rec := range recs {
			rows = append(rows, rowOf(rec))
		}
	})
	if err != nil {
		return rows, pages, unreachableOr(err, CodeUnreachable, "querying clips in Cosmos")
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if !rows[i].UpdatedAt.Equal(rows[j].UpdatedAt) {
			return rows[i].UpdatedAt.After(rows[j].UpdatedAt)
		}
		return rows[i].ID < rows[j].ID
	})
	return rows, pages, nil
}

func rowOf(rec clip.Clip) ClipRow {
	r := ClipRow{ID: rec.ID, Officer: rec.OfficerID, Status: rec.Status, Blob: rec.Blob.Container + "/" + rec.Blob.Name,
		Size: rec.Blob.Size, UpdatedAt: rec.UpdatedAt.Time, Moved: rec.Quarantine != nil}
	for _, x := range rec.Reasons {
		r.Reasons = append(r.Reasons, x.Code)
	}
	return r
}
