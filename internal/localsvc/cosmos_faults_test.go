package localsvc_test

// One test per fault of @vercel/cosmosdb-server 1.0.1 that the launcher
// corrects (docs/local-services.md): each asserts Azure's behaviour through the
// launcher and that the bare server really has the fault, so a test here that
// stops failing against the bare server means upstream fixed it.

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/bwv-ingest/bwv-ingest/internal/localsvc"
	"github.com/bwv-ingest/bwv-ingest/internal/localsvc/localsvctest"
)

var ctx = context.Background()

func TestReadItemMissingOrWrongPartitionIs404(t *testing.T) {
	fixed, broken := both(t)
	for _, tg := range []*target{fixed, broken} {
		c := tg.container(t, "clips", nil)
		put(t, c, "PC1", "clip-1", "")
		_, errMissing := c.ReadItem(ctx, azcosmos.NewPartitionKeyString("PC1"), "no-such-clip", nil)
		_, errWrongPK := c.ReadItem(ctx, azcosmos.NewPartitionKeyString("PC2"), "clip-1", nil)
		if tg == fixed {
			if got := statusOf(errMissing); got != http.StatusNotFound {
				t.Errorf("launcher: missing id: status %d (%v), want 404", got, errMissing)
			}
			if got := statusOf(errWrongPK); got != http.StatusNotFound {
				t.Errorf("launcher: wrong partition: status %d (%v), want 404", got, errWrongPK)
			}
			// azcosmos sets ErrorCode to the HTTP status line; the body carries Azure's code.
			if errMissing == nil || !strings.Contains(errMissing.Error(), `"NotFound"`) {
				t.Errorf("launcher: error body %v, want code NotFound", errMissing)
			}
			if _, err := c.ReadItem(ctx, azcosmos.NewPartitionKeyString("PC1"), "clip-1", nil); err != nil {
				t.Errorf("launcher: reading an existing item: %v", err)
			}
		} else if statusOf(errMissing) == http.StatusNotFound && statusOf(errWrongPK) == http.StatusNotFound {
			t.Errorf("bare server answered 404 for both: fault 1 is gone upstream, update docs/local-services.md")
		}
	}
}

func TestTransactionalBatchIsAtomic(t *testing.T) {
	fixed, broken := both(t)
	for _, tg := range []*target{fixed, broken} {
		c := tg.container(t, "clips", nil)
		pk := azcosmos.NewPartitionKeyString("PC1")
		put(t, c, "PC1", "existing", `,"status":"received"`)

		b := c.NewTransactionalBatch(pk)
		b.UpsertItem([]byte(`{"id":"new-1","officerId":"PC1"}`), nil)
		b.ReplaceItem("existing", []byte(`{"id":"existing","officerId":"PC1","status":"verified"}`), nil)
		b.CreateItem([]byte(`{"id":"existing","officerId":"PC1"}`), nil) // 409: the batch must roll back
		resp, err := c.ExecuteTransactionalBatch(ctx, b, nil)

		_, newErr := c.ReadItem(ctx, pk, "new-1", nil)
		cur, curErr := c.ReadItem(ctx, pk, "existing", nil)
		rolledBack := statusOf(newErr) == http.StatusNotFound && curErr == nil && strings.Contains(string(cur.Value), `"received"`)

		if tg == broken {
			if err == nil && !resp.Success && rolledBack {
				t.Errorf("bare server rolled the batch back: fault 2 is gone upstream")
			}
			continue
		}
		if err != nil {
			t.Fatalf("launcher: batch: %v", err)
		}
		if resp.Success || resp.RawResponse.StatusCode != http.StatusMultiStatus {
			t.Errorf("launcher: failed batch: Success=%v status=%d, want false/207", resp.Success, resp.RawResponse.StatusCode)
		}
		var codes []int32
		for _, r := range resp.OperationResults {
			codes = append(codes, r.StatusCode)
		}
		if want := []int32{424, 424, 409}; !equalInts(codes, want) {
			t.Errorf("launcher: operation statuses %v, want %v", codes, want)
		}
		if !rolledBack {
			t.Errorf("launcher: batch not rolled back: new-1 read err=%v, existing=%s err=%v", newErr, cur.Value, curErr)
		}

		// Mixed operations, all valid: committed together.
		ok := c.NewTransactionalBatch(pk)
		ok.CreateItem([]byte(`{"id":"a","officerId":"PC1","n":1}`), nil)
		ok.ReadItem("existing", nil)
		patch := azcosmos.PatchOperations{}
		patch.AppendIncrement("/n", 1)
		ok.PatchItem("a", patch, nil)
		ok.UpsertItem([]byte(`{"id":"b","officerId":"PC1"}`), nil)
		ok.DeleteItem("b", nil)
		resp, err = c.ExecuteTransactionalBatch(ctx, ok, nil)
		if err != nil || !resp.Success {
			t.Fatalf("launcher: mixed batch: success=%v err=%v results=%+v", resp.Success, err, resp.OperationResults)
		}
		a, err := c.ReadItem(ctx, pk, "a", nil)
		if err != nil || !strings.Contains(string(a.Value), `"n":2`) {
			t.Errorf("launcher: after mixed batch a=%s err=%v, want n=2", a.Value, err)
		}
	}
}

func TestQueryWithPartitionKeyIsScopedToIt(t *testing.T) {
	fixed, broken := both(t)
	for _, tg := range []*target{fixed, broken} {
		c := tg.container(t, "clips", nil)
		put(t, c, "PC1", "a", "")
		put(t, c, "PC1", "b", "")
		put(t, c, "PC2", "c", "")
		ids := queryIDs(t, c, azcosmos.NewPartitionKeyString("PC1"), "SELECT * FROM c")
		scoped := strings.Join(ids, ",") == "a,b"
		if tg == fixed && !scoped {
			t.Errorf("launcher: query in PC1 returned %v, want [a b]", ids)
		}
		if tg == fixed {
			// Paging (continuation tokens) stays inside the partition.
			var paged []string
			p := c.NewQueryItemsPager("SELECT * FROM c", azcosmos.NewPartitionKeyString("PC1"), &azcosmos.QueryOptions{PageSizeHint: 1})
			for p.More() {
				page, err := p.NextPage(ctx)
				if err != nil {
					t.Fatalf("launcher: paged query: %v", err)
				}
				for _, it := range page.Items {
					var d struct{ ID string }
					_ = json.Unmarshal(it, &d)
					paged = append(paged, d.ID)
				}
			}
			if strings.Join(paged, ",") != "a,b" {
				t.Errorf("launcher: paged query in PC1 returned %v, want [a b]", paged)
			}
		}
		if tg == broken && scoped {
			t.Errorf("bare server scoped the query: fault 4 is gone upstream")
		}
	}
}

func TestCrossPartitionQueriesRefusedAsTheGatewayDoes(t *testing.T) {
	fixed, broken := both(t)
	refused := []string{
		"SELECT * FROM c ORDER BY c.recordedStart",
		"SELECT TOP 2 * FROM c",
		"SELECT VALUE COUNT(1) FROM c",
		"SELECT c.officerId, MAX(c.n) AS m FROM c",
		"SELECT DISTINCT c.officerId FROM c",
		"SELECT c.officerId, COUNT(1) AS n FROM c GROUP BY c.officerId",
		"SELECT * FROM c OFFSET 0 LIMIT 1",
	}
	allowed := []string{
		"SELECT * FROM c WHERE c.status = 'received'",
		"SELECT * FROM c WHERE c.officerId = 'PC1' ORDER BY c.recordedStart", // pinned to one partition
		"SELECT VALUE COUNT(1) FROM c WHERE c.officerId = @o AND c.n > 0",
	}
	for _, tg := range []*target{fixed, broken} {
		c := tg.container(t, "clips", nil)
		put(t, c, "PC1", "a", `,"recordedStart":"2026-01-01T10:00:00Z","n":1,"status":"received"`)
		put(t, c, "PC2", "b", `,"recordedStart":"2026-01-01T09:00:00Z","n":2,"status":"received"`)
		for _, q := range refused {
			err := runQuery(c, azcosmos.NewPartitionKey(), q)
			isGateway := statusOf(err) == http.StatusBadRequest && err != nil && strings.Contains(err.Error(), "can not be directly served by the gateway")
			if tg == fixed && !isGateway {
				t.Errorf("launcher: cross-partition %q: %v, want 400 'can not be directly served by the gateway'", q, err)
			}
			if tg == broken && q == refused[0] && err != nil {
				t.Errorf("bare server refused cross-partition ORDER BY (%v): fault 5 is gone upstream", err)
			}
		}
		if tg == fixed {
			for _, q := range allowed {
				if err := runQuery(c, azcosmos.NewPartitionKey(), q); err != nil {
					t.Errorf("launcher: %q: %v, want it served", q, err)
				}
			}
			// With a partition key the same ORDER BY is a single-partition query.
			if err := runQuery(c, azcosmos.NewPartitionKeyString("PC1"), refused[0]); err != nil {
				t.Errorf("launcher: ORDER BY inside one partition: %v", err)
			}
		}
	}
}

func TestPatchConditionOnCamelCaseField(t *testing.T) {
	fixed, broken := both(t)
	for _, tg := range []*target{fixed, broken} {
		c := tg.container(t, "clips", nil)
		pk := azcosmos.NewPartitionKeyString("PC1")
		put(t, c, "PC1", "clip-1", `,"status":"received","retainUntil":"2026-02-01T00:00:00Z"`)

		ops := azcosmos.PatchOperations{}
		ops.SetCondition("from c where c.status = 'received' AND c.officerId = 'PC1'")
		ops.AppendSet("/status", "verified")
		_, err := c.PatchItem(ctx, pk, "clip-1", ops, nil)
		if tg == broken {
			if err == nil {
				t.Errorf("bare server honoured a camelCase patch condition: fault 6 is gone upstream")
			}
			continue
		}
		if err != nil {
			t.Fatalf("launcher: true condition on camelCase field: %v", err)
		}
		stale := azcosmos.PatchOperations{}
		stale.SetCondition("from c where c.status = 'received'")
		stale.AppendSet("/status", "quarantined")
		if _, err := c.PatchItem(ctx, pk, "clip-1", stale, nil); statusOf(err) != http.StatusPreconditionFailed {
			t.Errorf("launcher: false condition: %v, want 412", err)
		}
		got, _ := c.ReadItem(ctx, pk, "clip-1", nil)
		if !strings.Contains(string(got.Value), `"verified"`) {
			t.Errorf("launcher: item after patches %s, want status verified", got.Value)
		}
	}
}

func TestTTLExpiresItems(t *testing.T) {
	fixed, broken := both(t)
	type check struct {
		container, id string
		gone          bool
	}
	checks := []check{
		{"ttl1", "default", true},   // container 1 s, item without ttl
		{"ttl1", "never", false},    // container 1 s, item ttl -1
		{"ttlOff", "own", false},    // container -1, item without ttl
		{"ttlOff", "own1", true},    // container -1, item ttl 1
		{"noTTL", "ignored", false}, // container without TTL: item ttl ignored
		{"ttl1", "longer", false},   // container 1 s, item ttl 3600
	}
	for _, tg := range []*target{fixed, broken} {
		cs := map[string]*azcosmos.ContainerClient{
			"ttl1":   tg.container(t, "ttl1", ptr[int32](1)),
			"ttlOff": tg.container(t, "ttlOff", ptr[int32](-1)),
			"noTTL":  tg.container(t, "noTTL", nil),
		}
		put(t, cs["ttl1"], "PC1", "default", "")
		put(t, cs["ttl1"], "PC1", "never", `,"ttl":-1`)
		put(t, cs["ttl1"], "PC1", "longer", `,"ttl":3600`)
		put(t, cs["ttlOff"], "PC1", "own", "")
		put(t, cs["ttlOff"], "PC1", "own1", `,"ttl":1`)
		put(t, cs["noTTL"], "PC1", "ignored", `,"ttl":1`)
		// Cosmos's _ts has one-second resolution: ttl 1 has passed 2.1 s later.
		time.Sleep(2100 * time.Millisecond)
		for _, ch := range checks {
			_, err := cs[ch.container].ReadItem(ctx, azcosmos.NewPartitionKeyString("PC1"), ch.id, nil)
			gone := statusOf(err) == http.StatusNotFound
			if tg == fixed && gone != ch.gone {
				t.Errorf("launcher: %s/%s gone=%v (err %v), want %v", ch.container, ch.id, gone, err, ch.gone)
			}
			if tg == broken && ch.id == "default" && err == nil {
				// expected: the bare server never expires anything
			} else if tg == broken && ch.id == "default" {
				t.Errorf("bare server expired an item (%v): fault 7 is gone upstream", err)
			}
		}
		if tg == fixed {
			ids := queryIDs(t, cs["ttl1"], azcosmos.NewPartitionKeyString("PC1"), "SELECT * FROM c")
			if strings.Join(ids, ",") != "never,longer" {
				t.Errorf("launcher: query after expiry returned %v, want [never longer]", ids)
			}
		}
	}
}

func TestConnectionsAreKeptAlive(t *testing.T) {
	fixed, broken := both(t)
	const creates = 20
	for _, tg := range []*target{fixed, broken} {
		c := tg.container(t, "clips", nil)
		before := tg.dials.Load()
		for i := range creates {
			put(t, c, "PC1", "k"+string(rune('a'+i)), "")
		}
		n := tg.dials.Load() - before
		if tg == fixed && n > 1 {
			t.Errorf("launcher: %d sequential creates opened %d TCP connections, want at most 1", creates, n)
		}
		if tg == broken && n < creates {
			t.Errorf("bare server: %d creates opened only %d connections: fault 8 is gone upstream", creates, n)
		}
	}
}

func TestReadManyItems(t *testing.T) {
	fixed, broken := both(t)
	for _, tg := range []*target{fixed, broken} {
		c := tg.container(t, "clips", nil)
		put(t, c, "PC1", "a", "")
		put(t, c, "PC2", "b", "")
		resp, err := c.ReadManyItems(ctx, []azcosmos.ItemIdentity{
			{ID: "a", PartitionKey: azcosmos.NewPartitionKeyString("PC1")},
			{ID: "b", PartitionKey: azcosmos.NewPartitionKeyString("PC2")},
			{ID: "b", PartitionKey: azcosmos.NewPartitionKeyString("PC1")}, // wrong partition: absent
		}, nil)
		if tg == broken {
			if err == nil {
				t.Errorf("bare server served ReadManyItems: fault 3 is gone upstream")
			}
			continue
		}
		if err != nil {
			t.Fatalf("launcher: ReadManyItems: %v", err)
		}
		if len(resp.Items) != 2 {
			t.Errorf("launcher: ReadManyItems returned %d items, want 2", len(resp.Items))
		}
	}
}

func TestAccountReportsConfiguredRegion(t *testing.T) {
	l, b := servers(t)
	west := localsvctest.CosmosWith(t, localsvc.CosmosOptions{Region: "UK West"})
	for _, tc := range []struct {
		c    *localsvc.Cosmos
		want string
	}{{l, "UK South"}, {west, "UK West"}, {b, "South Central US"}} {
		var acct struct {
			Writable []struct {
				Name     string `json:"name"`
				Endpoint string `json:"databaseAccountEndpoint"`
			} `json:"writableLocations"`
			Readable []struct {
				Name string `json:"name"`
			} `json:"readableLocations"`
		}
		resp, err := http.Get(tc.c.Endpoint)
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(resp.Body).Decode(&acct)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(acct.Writable) != 1 || acct.Writable[0].Name != tc.want || len(acct.Readable) != 1 || acct.Readable[0].Name != tc.want {
			t.Errorf("%s: account locations %+v / %+v, want %q", tc.c.Endpoint, acct.Writable, acct.Readable, tc.want)
		}
		if tc.c != b && acct.Writable[0].Endpoint != tc.c.Endpoint {
			t.Errorf("%s: databaseAccountEndpoint %q, want the served endpoint", tc.c.Endpoint, acct.Writable[0].Endpoint)
		}
	}
}

func TestWritesAnswerLikeAzure(t *testing.T) {
	fixed, broken := both(t)
	for _, tg := range []*target{fixed, broken} {
		c := tg.container(t, "clips", nil)
		pk := azcosmos.NewPartitionKeyString("PC1")
		resp, err := c.CreateItem(ctx, pk, []byte(`{"id":"a","officerId":"PC1"}`), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, mismatchErr := c.CreateItem(ctx, pk, []byte(`{"id":"x","officerId":"PC2"}`), nil)
		if tg == broken {
			if len(resp.Value) == 0 || strings.HasPrefix(string(resp.ETag), `"`) || mismatchErr != nil {
				t.Errorf("bare server: body %d bytes, etag %s, mismatch err %v: a fault is gone upstream", len(resp.Value), resp.ETag, mismatchErr)
			}
			continue
		}
		// Prefer: return=minimal (the SDK default) gets no body; the ETag is quoted.
		if len(resp.Value) != 0 {
			t.Errorf("launcher: create without EnableContentResponseOnWrite returned %d bytes, want none", len(resp.Value))
		}
		if e := string(resp.ETag); len(e) < 3 || e[0] != '"' || e[len(e)-1] != '"' {
			t.Errorf("launcher: ETag %s, want quoted", resp.ETag)
		}
		if got := statusOf(mismatchErr); got != http.StatusBadRequest {
			t.Errorf("launcher: document in PC2 sent with partition key PC1: %v, want 400", mismatchErr)
		}
		full, err := c.UpsertItem(ctx, pk, []byte(`{"id":"a","officerId":"PC1","v":2}`), &azcosmos.ItemOptions{EnableContentResponseOnWrite: true})
		if err != nil || !strings.Contains(string(full.Value), `"v":2`) {
			t.Errorf("launcher: upsert with content response: %s, %v", full.Value, err)
		}
		_, err = c.ReplaceItem(ctx, pk, "a", []byte(`{"id":"a","officerId":"PC1","v":3}`), &azcosmos.ItemOptions{IfMatchEtag: &resp.ETag})
		if statusOf(err) != http.StatusPreconditionFailed {
			t.Errorf("launcher: replace with a stale ETag: %v, want 412", err)
		}
		_, err = c.ReplaceItem(ctx, pk, "a", []byte(`{"id":"a","officerId":"PC1","v":3}`), &azcosmos.ItemOptions{IfMatchEtag: &full.ETag})
		if err != nil {
			t.Errorf("launcher: replace with the current ETag: %v", err)
		}
	}
}

func queryIDs(t *testing.T, c *azcosmos.ContainerClient, pk azcosmos.PartitionKey, q string) []string {
	t.Helper()
	var ids []string
	p := c.NewQueryItemsPager(q, pk, nil)
	for p.More() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("query %q: %v", q, err)
		}
		for _, it := range page.Items {
			var doc struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(it, &doc); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, doc.ID)
		}
	}
	return ids
}

func runQuery(c *azcosmos.ContainerClient, pk azcosmos.PartitionKey, q string) error {
	p := c.NewQueryItemsPager(q, pk, &azcosmos.QueryOptions{QueryParameters: []azcosmos.QueryParameter{{Name: "@o", Value: "PC1"}}})
	for p.More() {
		if _, err := p.NextPage(ctx); err != nil {
			return err
		}
	}
	return nil
}

func equalInts(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
