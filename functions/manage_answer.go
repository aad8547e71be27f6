package functions

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/funchost"
)

// How ClipManage answers: errors mapped to HTTP problems, ETags, and the
// http output binding.

// Problem is the body of an error answer: a stable code and a sentence.
type Problem struct {
	Code    clip.Code `json:"code"`
	Message string    `json:"message"`
	ETag    string    `json:"etag,omitempty"`
	// Reasons: every rule a correct-metadata request's metadata broke
	// (CORRECTION_INVALID).
	Reasons []clip.Reason `json:"reasons,omitempty"`
}

// normaliseETag compares ETags as the HTTP spec's weak comparison does:
// without W/ and quotes.
func normaliseETag(e string) string {
	e = strings.TrimSpace(e)
	e = strings.TrimPrefix(e, "W/")
	return strings.Trim(e, `"`)
}

func quoteETag(e string) string { return `"` + normaliseETag(e) + `"` }

func withETag(body, etag string) string {
	var p Problem
	if json.Unmarshal([]byte(body), &p) != nil {
		return body
	}
	p.ETag = normaliseETag(etag)
	b, _ := json.Marshal(p)
	return string(b)
}

// problemOf maps an error to its HTTP answer: the kind's status from the
// one outcome table, except where HTTP has a more precise status.
func problemOf(err error) funchost.HTTPResponse {
	status := clip.OutcomeOf(err).HTTPStatus
	switch clip.CodeOf(err) {
	case clip.CodeIfMatchRequired, clip.CodeIfMatchWildcard, clip.CodeIfMatchEmpty:
		status = http.StatusPreconditionRequired
	case clip.CodeAuthenticationRequired:
		status = http.StatusUnauthorized
	case clip.CodeClipDeleted, clip.CodeClipNotManageable, clip.CodeClipIDAmbiguous, clip.CodeClipNotQuarantined, clip.CodeCorrectionMovePending:
		status = http.StatusConflict
	case clip.CodeMethodNotAllowed:
		status = http.StatusMethodNotAllowed
	}
	msg := err.Error()
	var ce *clip.Error
	if errors.As(err, &ce) && ce.Message != "" && status < 500 {
		msg = ce.Message
	}
	if status >= 500 {
		msg = "the clip service could not complete the request; try again" // details stay in the log
	}
	code := clip.CodeOf(err)
	b, _ := json.Marshal(Problem{Code: code, Message: msg, Reasons: correctionReasons(err)})
	h := map[string]string{"Content-Type": "application/json"}
	if status == http.StatusUnauthorized {
		h["WWW-Authenticate"] = "Bearer"
	}
	if status == http.StatusServiceUnavailable {
		h["Retry-After"] = "5"
	}
	return funchost.HTTPResponse{StatusCode: status, Headers: h, Body: string(b)}
}

func respond(r funchost.HTTPResponse, _ error) funchost.Result {
	if r.Headers == nil {
		r.Headers = map[string]string{}
	}
	if _, ok := r.Headers["Content-Type"]; !ok {
		r.Headers["Content-Type"] = "application/json"
	}
	return funchost.Result{Outputs: map[string]any{bindingRes: r}}
}
