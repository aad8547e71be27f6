package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/bwv-ingest/bwv-ingest/internal/localrun"
	"github.com/bwv-ingest/bwv-ingest/internal/localsvc"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

var updateScreenshot = flag.Bool("update-screenshot", false, "write docs/report.png from TestReportInHeadlessChromium")

// chromiumPath is Debian's chromium (scripts/install-chromium.sh).
const chromiumPath = "/usr/bin/chromium"

// reportDay is the day of the seeded report.
var reportDay = time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)

// xssStation is a station id that would run script if it were not escaped.
const xssStation = `<img src=x onerror="console.error('xss')">`

// seedReportData writes clips to the local Cosmos server and messages and
// dead letters to Azurite; the figures the report must show are the
// literal expectations in TestReportInHeadlessChromium.
func seedReportData(t *testing.T, ctx context.Context, ls localStores, c *localrun.Clients) {
	t.Helper()
	day := func(d int, h int) time.Time { return reportDay.AddDate(0, 0, d).Add(time.Duration(h) * time.Hour) }
	far := clip.Ptr(time.Date(2033, 1, 1, 0, 0, 0, 0, time.UTC))
	n := 0
	put := func(station string, recorded time.Time, status clip.Status, edit func(*clip.Clip)) {
		t.Helper()
		n++
		c := clip.Clip{ID: fmt.Sprintf("rpt-%03d", n), Type: clip.DocTypeClip, OfficerID: fmt.Sprintf("OFF%02d", n%4), StationID: station,
			RecordedStart: clip.Ptr(recorded), RecordedEnd: clip.Ptr(recorded.Add(5 * time.Minute)), ReceivedAt: clip.At(recorded.Add(time.Hour)),
			Categories: []string{"uncategorised"}, IncidentRefs: []string{}, Status: status, Reasons: []clip.Reason{},
			Retention: clip.Retention{PolicyVersion: "test", Rule: "default", RetainUntil: far}}
		if edit != nil {
			edit(&c)
		}
		if _, err := ls.st.CreateClip(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	reasons := func(codes ...clip.Code) func(*clip.Clip) {
		return func(c *clip.Clip) {
			for _, code := range codes {
				c.Reasons = append(c.Reasons, clip.Reason{Code: code, Message: "seeded"})
			}
		}
	}
	// Clips per day and station (30 days to 2026-03-10: 02-09 … 03-10).
	for range 3 {
		put("STN-07", day(0, 9), clip.StatusVerified, nil)
	}
	put("STN-07", day(-1, 10), clip.StatusVerified, nil)
	put("STN-07", day(-1, 11), clip.StatusQuarantined, reasons("HASH_MISMATCH"))
	put("STN-07", day(-29, 0), clip.StatusVerified, nil) // first day of the window
	put("STN-12", day(0, 8), clip.StatusQuarantined, reasons("METADATA_INVALID", "HASH_MISMATCH"))
	put("STN-12", day(-9, 12), clip.StatusVerified, func(c *clip.Clip) { // on legal hold: not due
		c.Retention.LegalHold, c.Retention.RetainUntil = true, clip.Ptr(day(2, 0))
	})
	put("STN-12", day(-9, 13), clip.StatusVerified, func(c *clip.Clip) { c.Retention.HeldUntilReleased = true })
	put(xssStation, day(-5, 7), clip.StatusVerified, nil)
	put("STN-07", day(-30, 23), clip.StatusVerified, nil) // the day before the window
	put("STN-07", day(1, 0), clip.StatusVerified, nil)    // the day after
	// Rejections: received in the window (above and this refusal) or not.
	put("", day(-2, 3), clip.StatusRefused, func(c *clip.Clip) {
		c.OfficerID, c.RecordedStart, c.RecordedEnd = clip.UnattributedOfficer, nil, nil
		c.ReceivedAt = clip.At(day(-2, 3))
		reasons("RESIDENCY_REGION_NOT_ALLOWED")(c)
	})
	old := time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC) // outside every window of the report
	put("STN-07", old, clip.StatusQuarantined, reasons("HASH_MISMATCH"))
	// Deletions due: by the end of 03-10 (two), on 03-12 and 03-17; not the
	// clip due exactly at the horizon (03-18 00:00), held or deleted ones.
	due := func(at time.Time, status clip.Status, edit func(*clip.Clip)) {
		put("STN-99", old, status, func(c *clip.Clip) {
			c.Retention.RetainUntil = clip.Ptr(at)
			if edit != nil {
				edit(c)
			}
		})
	}
	due(day(-5, 0), clip.StatusVerified, nil)
	due(day(0, 20), clip.StatusVerified, nil)
	due(day(2, 8), clip.StatusVerified, nil)
	due(day(7, 23), clip.StatusQuarantined, nil)
	due(day(8, 0), clip.StatusVerified, nil)
	due(day(2, 9), clip.StatusDeleted, nil)
	due(day(3, 0), clip.StatusVerified, func(c *clip.Clip) { c.Retention.HeldUntilReleased = true })
	// A pending release, a cancelled one, a review flag.
	put("STN-99", old, clip.StatusVerified, func(c *clip.Clip) {
		c.Retention.PendingRelease = &clip.PendingRelease{RequestedBy: "DS Jones", RequestedAt: clip.At(day(0, 1)), EffectiveFrom: clip.At(day(1, 1)), FromRule: "evidential", ToRule: "default"}
	})
	put("STN-99", old, clip.StatusVerified, func(c *clip.Clip) {
		c.Retention.PendingRelease = &clip.PendingRelease{RequestedBy: "DS Jones", RequestedAt: clip.At(day(0, 1)), EffectiveFrom: clip.At(day(1, 1)),
			FromRule: "evidential", ToRule: "default", CancelledBy: "DI Patel", CancelledAt: clip.Ptr(day(0, 2))}
	})
	put("STN-99", old, clip.StatusVerified, func(c *clip.Clip) {
		c.Retention.Review = &clip.RetentionReview{Code: "RECORDED_START_IMPLAUSIBLE", Since: clip.At(day(0, 0)), Detail: "seeded"}
	})

	// Storage: one message waiting, two poisoned, three dead letters of
	// which one was replayed.
	if err := c.EnsureStorage(ctx, localrun.DeadLetterContainer); err != nil {
		t.Fatal(err)
	}
	for q, count := range map[string]int{c.Target.VerifyQueue: 1, c.Target.PoisonQueue(): 2} {
		for i := range count {
			if _, err := c.Queues.NewQueueClient(q).EnqueueMessage(ctx, fmt.Sprintf(`{"clipId":"m%d"}`, i), nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := range 3 {
		var md map[string]*string
		if i == 0 {
			v := "2026-03-09T10:00:00Z"
			md = map[string]*string{localrun.MetaReplayedAt: &v}
		}
		if _, err := c.Blobs.UploadBuffer(ctx, localrun.DeadLetterContainer, fmt.Sprintf("2026/03/0%d/dl-%d.json", i+1, i), []byte(`[]`),
			&azblob.UploadBufferOptions{Metadata: md}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestReportInHeadlessChromium seeds Azurite and the local Cosmos server,
// runs bwv report, loads the page from file:// in Debian's chromium and
// checks: no console error or exception, no request but the page itself,
// no script, the hostile station id shown as text, and every number in the
// DOM equal to the seeded data. With CI=true a missing chromium fails.
func TestReportInHeadlessChromium(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s missing (scripts/install-chromium.sh installs it): %v", chromiumPath, err)
		}
		t.Skipf("%s missing: run scripts/install-chromium.sh (CI=true makes this a failure)", chromiumPath)
	}
	ctx := context.Background()
	ls := startLocalStores(t, ctx)
	settings := storeSettings(t, ls)
	target, err := localrun.LoadTarget(settings)
	if err != nil {
		t.Fatal(err)
	}
	clients, err := localrun.Connect(target)
	if err != nil {
		t.Fatal(err)
	}
	seedReportData(t, ctx, ls, clients)

	cmd := cli{t: t, ctx: ctx}
	code, out := cmd.run("report", "--day", "2026-03-1O", "--out", "x.html", "--settings", settings)
	cmd.expect(code, out, exitUsage, "REPORT_DAY_INVALID")
	page := filepath.Join(t.TempDir(), "report.html")
	code, out = cmd.run("report", "--day", "2026-03-10", "--out", page, "--settings", settings)
	t.Log(strings.TrimSpace(out))
	cmd.expect(code, out, exitOK, "wrote "+page, "10 clips recorded", "3 rejected", "2 poison messages")

	// Keys are metric|day|station|reason, as loadInChromium reads them; -1:
	// must not be shown.
	want := map[string]int{
		"recorded|2026-03-10|STN-07|": 3, "recorded|2026-03-09|STN-07|": 2, "recorded|2026-02-09|STN-07|": 1,
		"recorded|2026-03-10|STN-12|": 1, "recorded|2026-03-01|STN-12|": 2, "recorded|2026-03-05|" + xssStation + "|": 1,
		"recorded-day|2026-03-10||": 4, "recorded-day|2026-03-09||": 2, "recorded-day|2026-03-01||": 2, "recorded-day|2026-03-05||": 1,
		"recorded-day|2026-02-09||": 1, "recorded-day|2026-02-08||": -1, "recorded-day|2026-03-11||": -1,
		"recorded-total|||": 10, "station-total||STN-07|": 6, "station-total||STN-12|": 3, "station-total||" + xssStation + "|": 1,
		"rejected-clips|||": 3, "rejected|||HASH_MISMATCH": 2, "rejected|||METADATA_INVALID": 1, "rejected|||RESIDENCY_REGION_NOT_ALLOWED": 1,
		"due|by||": 2, "due|2026-03-11||": 0, "due|2026-03-12||": 1, "due|2026-03-13||": 0, "due|2026-03-17||": 1,
		"legal-holds|||": 1, "held-until-released|||": 2, "pending-releases|||": 1, "review-flags|||": 1,
		"verify-queue|||": 1, "poison|||": 2, "dead-letters|||": 2,
	}
	shown := loadInChromium(t, page)
	for k, n := range want {
		got, ok := shown[k]
		switch {
		case n < 0 && ok:
			t.Errorf("%s shown (%d); it is outside the window", k, got)
		case n >= 0 && !ok:
			t.Errorf("%s not shown; want %d", k, n)
		case n >= 0 && got != n:
			t.Errorf("%s = %d, want %d", k, got, n)
		}
	}
	// Every other recorded cell of the 30 days is zero, and there are 30 days.
	days := 0
	for k, n := range shown {
		if strings.HasPrefix(k, "recorded-day|") {
			days++
		}
		if _, listed := want[k]; !listed && strings.HasPrefix(k, "recorded") && n != 0 {
			t.Errorf("%s = %d, want 0", k, n)
		}
	}
	if days != 30 {
		t.Errorf("%d days in the table, want 30", days)
	}
}

// loadInChromium opens page in headless chromium and returns every
// [data-metric] element's number keyed metric|day|station|reason. It
// fails the test on a console error, an exception, a script element, an
// element the data injected, or any request other than the page.
func loadInChromium(t *testing.T, page string) map[string]int {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1040, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc() // kills the browser process it started
	var mu sync.Mutex
	var problems, requests []string
	listen := func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				problems = append(problems, fmt.Sprintf("console.%s: %s", e.Type, strings.Join(args, " ")))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Text)
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError || e.Entry.Level == log.EntryLevelWarning {
				problems = append(problems, fmt.Sprintf("log %s: %s %s", e.Entry.Level, e.Entry.Text, e.Entry.URL))
			}
		case *network.EventRequestWillBeSent:
			requests = append(requests, e.Request.URL)
		}
	}
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithListener(listen))
	defer cancelBrowser()
	ctx, cancel := context.WithTimeout(bctx, 2*time.Minute)
	defer cancel()
	pageURL := (&url.URL{Scheme: "file", Path: page}).String()
	type metric struct {
		Metric  string `json:"metric"`
		Day     string `json:"day"`
		Station string `json:"station"`
		Reason  string `json:"reason"`
		Text    string `json:"text"`
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(pageURL), chromedp.WaitReady("body")); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	items, err := chromedp.Run(ctx, chromedp.Evaluate[[]metric](`Array.from(document.querySelectorAll('[data-metric]')).map(e => ({metric: e.dataset.metric,
		day: e.dataset.day || '', station: e.dataset.station || '', reason: e.dataset.reason || '', text: e.textContent}))`))
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	elems, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.scripts.length + document.querySelectorAll('img, iframe, object, embed').length`))
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	if *updateScreenshot {
		if err := os.WriteFile(filepath.Join("..", "..", "docs", "report.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Errorf("page: %s", p)
	}
	if len(requests) != 1 || requests[0] != pageURL {
		t.Errorf("requests %q; want only the page %s", requests, pageURL)
	}
	if elems != 0 {
		t.Errorf("%d script, img, iframe, object or embed elements; the page has none of its own (data was not escaped?)", elems)
	}
	shown := map[string]int{}
	for _, it := range items {
		n, err := strconv.Atoi(strings.TrimSpace(it.Text))
		if err != nil {
			t.Errorf("%s %s %s %s: %q is not a number", it.Metric, it.Day, it.Station, it.Reason, it.Text)
			continue
		}
		k := strings.Join([]string{it.Metric, it.Day, it.Station, it.Reason}, "|")
		if _, dup := shown[k]; dup {
			t.Errorf("%s shown twice", k)
		}
		shown[k] = n
	}
	if len(shown) == 0 {
		t.Fatal(errors.New("no [data-metric] element on the page"))
	}
	return shown
}

// TestReportWritesNothingWhenStoresUnreachable: with Cosmos and Storage
// down, bwv report exits 1 with REPORT_READ_FAILED and leaves no page.
func TestReportWritesNothingWhenStoresUnreachable(t *testing.T) {
	dir := t.TempDir()
	settings := filepath.Join(dir, "local.settings.json")
	// Port 1 on loopback: nothing listens there.
	if err := localrun.WriteSettings(settings, map[string]string{
		"AzureWebJobsStorage": "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + localsvc.AzuriteKey +
			";BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;QueueEndpoint=http://127.0.0.1:1/devstoreaccount1;",
		"BWV_COSMOS_ENDPOINT": "http://127.0.0.1:1/", "BWV_COSMOS_KEY": localsvc.AzuriteKey,
	}, 0); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, "report.html")
	cmd := cli{t: t, ctx: context.Background()}
	code, out := cmd.run("report", "--day", "2026-03-10", "--out", page, "--settings", settings)
	cmd.expect(code, out, exitError, "REPORT_READ_FAILED")
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("files left beside the settings: %v", entries)
	}
}
