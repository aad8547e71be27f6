package functions_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/bwv-ingest/bwv-ingest/functions"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/config"
	"github.com/bwv-ingest/bwv-ingest/shared/funchost"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
)

// fakeEmptyRecords is a FAKE database that holds no clip: every read is
// NotFound. The fuzz targets below reach it only after a request has passed
// every check on its own content; any other call panics (the interface is
// embedded nil), and a panic fails the target, so a new database call on
// these paths is noticed.
type fakeEmptyRecords struct{ functions.Records }

func (fakeEmptyRecords) GetClip(context.Context, string, string) (clip.Clip, error) {
	return clip.Clip{}, clip.Errorf(clip.NotFound, clip.CodeClipNotFound, "no clip (fake)")
}

func (fakeEmptyRecords) FindClip(context.Context, string) (clip.Clip, error) {
	return clip.Clip{}, clip.Errorf(clip.NotFound, clip.CodeClipNotFound, "no clip (fake)")
}

var reFuzzCode = regexp.MustCompile(`^[A-Z][A-Z0-9_]+$`)

// fuzzHandler is the real handler's function server with a database that
// holds nothing.
func fuzzHandler(tb testing.TB) http.Handler {
	tb.Helper()
	app := &functions.App{
		Config:  config.Config{UploadContainer: "uploads", QuarantineContainer: "quarantine", TrustPrincipalHeaders: true, Roles: config.DefaultRoles()},
		Records: fakeEmptyRecords{},
		Policy:  retention.Default(),
	}
	s := funchost.NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)))
	app.Register(s)
	return s
}

func invoke(tb testing.TB, h http.Handler, function string, data map[string]any) (int, funchost.Response) {
	tb.Helper()
	b, err := json.Marshal(map[string]any{"Data": data, "Metadata": map[string]any{}})
	if err != nil {
		tb.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/"+function, bytes.NewReader(b)))
	var resp funchost.Response
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		tb.Fatalf("%s answered %d with a body that is not the protocol's JSON: %v\n%s", function, rec.Code, err, rec.Body)
	}
	return rec.Code, resp
}

// FuzzVerifyMessage: any clip-verify queue message (as the host delivers it:
// a JSON string) is either acted on or refused as bad input — answered 2xx
// with a reason code in the log, so the host does not retry what cannot
// succeed — never a panic or a retry. Explore with
// go test -fuzz=FuzzVerifyMessage -parallel=1 ./functions/.
func FuzzVerifyMessage(f *testing.F) {
	for _, s := range []string{
		`{"v":1,"clipId":"c0ffee","officerId":"AB1234","container":"uploads","name":"a.mp4","etag":"0x1","size":10}`,
		`{"v":2,"clipId":"x","officerId":"y"}`, `{"v":1}`, `{}`, `[]`, `null`, `"x"`, ``, `{"v":1,"clipId":"` + strings.Repeat("a", 5000) + `","officerId":"Z"}`,
		`{"v":1,"clipId":"c","officerId":"AB1","size":-1}`, `{"v":"1"}`, "\x00\xff",
	} {
		f.Add(s)
	}
	h := fuzzHandler(f)
	f.Fuzz(func(t *testing.T, msg string) {
		status, resp := invoke(t, h, functions.NameVerify, map[string]any{"message": msg})
		if status != http.StatusOK {
			t.Fatalf("message %q: status %d (a retry), logs %q", msg, status, resp.Logs)
		}
		logs := strings.Join(resp.Logs, "\n")
		if !strings.Contains(logs, string(clip.CodeMessageMalformed)) && !strings.Contains(logs, string(clip.CodeClipNotFound)) {
			t.Fatalf("message %q refused without its reason code in the log:\n%s", msg, logs)
		}
	})
}

// FuzzManageRequest: any ClipManage request — method, action, body,
// If-Match, the caller's roles — is answered with a status a client can act
// on and, when refused, a stable code; never a panic or a 5xx. The database
// holds no clip, so a request that passes every check on its content ends
// at 404 CLIP_NOT_FOUND. Explore with
// go test -fuzz=FuzzManageRequest -parallel=1 ./functions/.
func FuzzManageRequest(f *testing.F) {
	f.Add("POST", "reclassify", `{"categories":["evidential"],"justification":"assault captured"}`, `"0x1"`, "BWV.Clips.Protect")
	f.Add("POST", "link-incident", `{"incidentRefs":["CAD/1/26"],"justification":"j"}`, `*`, "BWV.Clips.Protect,BWV.Clips.Release")
	f.Add("POST", "correct-metadata", `{"metadata":{"officerId":"AB12"},"justification":"typo"}`, `"e"`, "BWV.Clips.Protect")
	f.Add("POST", "set-legal-hold", `{"justification":"x","actor":"someone else"}`, ``, "")
	f.Add("GET", "", ``, ``, "BWV.Clips.Read")
	f.Add("POST", "clear-legal-hold", `{"justification":"`+strings.Repeat("é", 3000)+`"}`, `""`, "BWV.Clips.Release")
	f.Add("POST", "reclassify", `{"categories":[1,2],"justification":null}{}`, `"x"`, "roles")
	f.Add("DELETE", "unknown", `[`, "\x00", ",,,")
	h := fuzzHandler(f)
	f.Fuzz(func(t *testing.T, method, action, body, ifMatch, roles string) {
		p := funchost.ClientPrincipal{AuthType: "aad", NameType: "name", RoleType: funchost.ClaimTypeRoles,
			Claims: []funchost.Claim{{Type: "name", Value: "DC 4471 Smith"}}}
		for _, r := range strings.Split(roles, ",") {
			p.Claims = append(p.Claims, funchost.Claim{Type: "roles", Value: r})
		}
		headers := map[string][]string{funchost.HeaderClientPrincipal: {p.Encode()}}
		if ifMatch != "" {
			headers["If-Match"] = []string{ifMatch}
		}
		req := map[string]any{"Url": "http://127.0.0.1/api/clips/c0ffee", "Method": method, "Headers": headers,
			"Query": map[string]string{"purpose": "fuzz"}, "Params": map[string]string{"id": "c0ffee", "action": action}, "Body": body}
		status, resp := invoke(t, h, functions.NameManage, map[string]any{"req": req})
		if status != http.StatusOK {
			t.Fatalf("invocation failed (%d): %q", status, resp.Logs)
		}
		raw, _ := json.Marshal(resp.Outputs["res"])
		var res funchost.HTTPResponse
		if err := json.Unmarshal(raw, &res); err != nil {
			t.Fatalf("no http output: %s", raw)
		}
		switch {
		case res.StatusCode >= 500 || res.StatusCode < 200:
			t.Fatalf("%s %s %q: answered %d %s", method, action, body, res.StatusCode, res.Body)
		case res.StatusCode >= 300:
			var prob struct {
				Code string `json:"code"`
			}
			if err := json.Unmarshal([]byte(res.Body), &prob); err != nil || !reFuzzCode.MatchString(prob.Code) {
				t.Fatalf("%s %s: %d without a stable code: %s", method, action, res.StatusCode, res.Body)
			}
		default:
			t.Fatalf("%s %s: %d although the database holds no clip: %s", method, action, res.StatusCode, res.Body)
		}
	})
}
