package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/bwv-ingest/bwv-ingest/internal/localrun"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

func countRecords(m map[string][]clip.Clip) int {
	n := 0
	for _, r := range m {
		n += len(r)
	}
	return n
}

// uploadResult is `bwv upload --json --wait`.
type uploadResult struct {
	localrun.UploadResult
	Status  string   `json:"status"`
	Reasons []string `json:"reasons"`
}

// One pipeline (bwv-host + real handler on Azurite and Cosmos), used the
// way a person uses it: uploads with the CLI, the demo, the HTTP API and
// the Event Grid webhook.
func TestPipeline(t *testing.T) {
	p := startPipeline(t, pipelineOptions{})
	ctx := context.Background()

	var verifiedID string
	t.Run("uploads reach verified or quarantined in Cosmos", func(t *testing.T) {
		small := writeFile(t, "small.mp4", 300<<10)
		big := writeFile(t, "big.mp4", 20<<20) // several blocks: PutBlockList
		cases := []struct {
			name       string
			file       string
			args       []string
			wantAPI    string
			wantStatus clip.Status
			wantReason clip.Code
		}{
			{"valid small clip", small, []string{"--name", "good/small.mp4", "--category", "evidential", "--incident", "CAD/1/2", "--lat", "51.5", "--lon", "-0.1"}, "PutBlob", clip.StatusVerified, ""},
			{"valid clip in blocks", big, []string{"--block-mib", "4"}, "PutBlockList", clip.StatusVerified, ""},
			{"clip with a bad device id", small, []string{"--device", "CAM 01!", "--name", "bad/device.mp4"}, "PutBlob", clip.StatusQuarantined, clip.CodeDeviceIDInvalid},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				args := append([]string{"upload", c.file, "--officer", "pc77", "--device", "CAM-E2E", "--start", "2026-01-02T10:00:00Z",
					"--end", "2026-01-02T10:05:00Z", "--wait", "--json", "--timeout", "90s"}, c.args...)
				stdout, stderr, code := p.cli(args...)
				if code != 0 {
					t.Fatalf("bwv upload exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
				}
				var res uploadResult
				if err := json.Unmarshal([]byte(stdout), &res); err != nil {
					t.Fatalf("bwv upload --json: %v\n%s", err, stdout)
				}
				if res.API != c.wantAPI {
					t.Errorf("api %s, want %s", res.API, c.wantAPI)
				}
				// The truth is the record in Cosmos, not what the CLI says.
				rec, err := p.clients.Records.GetClip(ctx, "PC77", res.ClipID)
				if err != nil {
					t.Fatalf("record %s (the id the CLI announced) not in Cosmos: %v", res.ClipID, err)
				}
				if rec.Status != c.wantStatus || string(rec.Status) != res.Status {
					t.Errorf("status in Cosmos %q, CLI said %q, want %q (reasons %+v)", rec.Status, res.Status, c.wantStatus, rec.Reasons)
				}
				if rec.SHA256.Declared != res.SHA256 {
					t.Errorf("declared hash %s, the CLI streamed %s", rec.SHA256.Declared, res.SHA256)
				}
				if c.wantStatus == clip.StatusVerified {
					verifiedID = res.ClipID
					if rec.SHA256.Computed != res.SHA256 {
						t.Errorf("computed hash %s, want %s", rec.SHA256.Computed, res.SHA256)
					}
				}
				if c.wantReason != "" && !slices.ContainsFunc(rec.Reasons, func(r clip.Reason) bool { return r.Code == c.wantReason }) {
					t.Errorf("reasons %+v lack %s", rec.Reasons, c.wantReason)
				}
				if c.wantStatus == clip.StatusQuarantined && rec.Quarantine == nil {
					t.Errorf("quarantined clip's content was not moved to quarantine")
				}
			})
		}
		// Uploads never overwrite: a second version under a recorded name is a tamper signal.
		_, stderr, code := p.cli("upload", small, "--officer", "pc77", "--device", "CAM-E2E", "--start", "2026-01-02T10:00:00Z", "--name", "good/small.mp4")
		if code == 0 || !strings.Contains(stderr, string(localrun.CodeBlobExists)) {
			t.Errorf("upload over an existing name: exit %d, stderr %q; want a refusal with %s", code, stderr, localrun.CodeBlobExists)
		}
	})

	t.Run("demo exits 0 with the expected outcomes", func(t *testing.T) {
		stdout, stderr, code := p.cli("demo", "--json", "--large-mib", "24", "--small-kib", "64", "--timeout", "2m")
		if code != 0 {
			t.Fatalf("bwv demo exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
		}
		var res struct {
			OK       bool               `json:"ok"`
			Outcomes []localrun.Outcome `json:"outcomes"`
		}
		if err := json.Unmarshal([]byte(stdout), &res); err != nil {
			t.Fatalf("bwv demo --json: %v\n%s", err, stdout)
		}
		cases := map[string]bool{}
		for _, o := range res.Outcomes {
			cases[o.Case] = true
			rec, err := p.clients.Records.GetClip(ctx, o.Officer, o.ClipID)
			if err != nil {
				t.Errorf("%s: record %s not in Cosmos: %v", o.Case, o.ClipID, err)
				continue
			}
			if rec.Status != o.Want {
				t.Errorf("%s: Cosmos says %s, expected %s", o.Case, rec.Status, o.Want)
			}
		}
		for _, want := range []string{"valid", "valid-full", "bad-metadata", "wrong-hash", "large"} {
			if !cases[want] {
				t.Errorf("demo did not run case %s", want)
			}
		}
	})

	t.Run("validation handshake echoes the code", func(t *testing.T) {
		body := `[{"id":"2d1781af-3a4c-4d7c-bd0c-e34b19da4e66","topic":"/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/devstoreaccount1",
			"subject":"","eventType":"Microsoft.EventGrid.SubscriptionValidationEvent","eventTime":"2026-01-02T10:00:00Z","metadataVersion":"1","dataVersion":"2",
			"data":{"validationCode":"512d38b6-c7b8-40c8-89fe-f46f9e9622b6","validationUrl":"https://rp-uksouth.eventgrid.azure.net/validate"}}]`
		req, _ := http.NewRequest(http.MethodPost, p.target.HostURL+"/runtime/webhooks/eventgrid?functionName=ClipIngest", strings.NewReader(body))
		req.Header.Set("aeg-event-type", "SubscriptionValidation")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var got struct {
			ValidationResponse string `json:"validationResponse"`
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &got) != nil || got.ValidationResponse != "512d38b6-c7b8-40c8-89fe-f46f9e9622b6" {
			t.Errorf("handshake: %d %s; want 200 echoing the validation code", resp.StatusCode, b)
		}
	})

	t.Run("ClipManage needs its function key", func(t *testing.T) {
		if verifiedID == "" {
			t.Skip("no verified clip from the upload subtest")
		}
		url := p.target.HostURL + "/api/clips/" + verifiedID + "?purpose=" + e2ePurpose[:3]
		for _, c := range []struct {
			name   string
			header string
			query  string
			want   int
		}{
			{"no key", "", "", http.StatusUnauthorized},
			{"wrong key", "not-the-key", "", http.StatusUnauthorized},
			{"key in header", p.target.FunctionKey, "", http.StatusOK},
			{"key as ?code=", "", "&code=" + p.target.FunctionKey, http.StatusOK},
		} {
			req, _ := http.NewRequest(http.MethodGet, url+c.query, nil)
			req.Header.Set("Authorization", "Bearer "+p.token(t, e2eReader, roleRead)) // the key is checked as well as the token
			if c.header != "" {
				req.Header.Set("x-functions-key", c.header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Errorf("%s: %d %s, want %d", c.name, resp.StatusCode, b, c.want)
			}
			if c.want == http.StatusOK && !strings.Contains(string(b), verifiedID) {
				t.Errorf("%s: answer does not carry the clip: %s", c.name, b)
			}
		}
	})

	t.Run("status shows clips, queues and host", func(t *testing.T) {
		// Page size 2: the clips span several pages, followed by continuation.
		stdout, stderr, code := p.cli("status", "--json", "--limit", "3", "--page-size", "2")
		if code != 0 {
			t.Fatalf("bwv status exit %d\n%s\n%s", code, stdout, stderr)
		}
		var st localrun.Status
		if err := json.Unmarshal([]byte(stdout), &st); err != nil {
			t.Fatal(err)
		}
		if !st.Host.Reachable || st.Host.Functions["ClipVerify"].Succeeded == 0 {
			t.Errorf("host part: %+v", st.Host)
		}
		if len(st.Clips) != 3 || st.Scanned < 8 {
			t.Errorf("clips: %d listed of %d scanned; want 3 of at least 8", len(st.Clips), st.Scanned)
		}
		for i := 1; i < len(st.Clips); i++ {
			if st.Clips[i].UpdatedAt.After(st.Clips[i-1].UpdatedAt) {
				t.Errorf("clips not newest first: %v then %v", st.Clips[i-1].UpdatedAt, st.Clips[i].UpdatedAt)
			}
		}
		if st.Counts["verified"] < 5 || st.Counts["quarantined"] < 3 {
			t.Errorf("counts %v; want at least 5 verified and 3 quarantined", st.Counts)
		}
		if len(st.Queues) != 2 || st.Queues[1].Name != "clip-verify-poison" || st.Queues[1].Messages != 0 {
			t.Errorf("queues %+v; want clip-verify and an empty clip-verify-poison", st.Queues)
		}
		if st.Pages < st.Scanned/2 {
			t.Errorf("%d clips came in %d pages; with page size 2 continuation was not followed", st.Scanned, st.Pages)
		}
		if all := p.clipsByName(); st.Scanned != countRecords(all) {
			t.Errorf("status scanned %d clips over pages of 2; a single page holds %d", st.Scanned, countRecords(all))
		}
	})
}
