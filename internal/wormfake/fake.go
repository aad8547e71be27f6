package wormfake

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
)

// Options configure Start.
type Options struct {
	// Upstream is Azurite's blob endpoint with the account path, e.g.
	// http://127.0.0.1:10000/devstoreaccount1.
	Upstream string
	// Account and Key let the fake check that a blob exists before it
	// protects it (its own signed request to Azurite).
	Account, Key string
	// Listen is the loopback address to serve on ("" = 127.0.0.1:0).
	Listen string
	// Clock is the time policies expire by (nil = time.Now). Tests set it.
	Clock  func() time.Time
	Logger *slog.Logger
}

// Fake is a running enforcing fake.
type Fake struct {
	upstream *url.URL
	prefix   string // the account path, e.g. /devstoreaccount1
	clock    func() time.Time
	blobs    *azblob.Client
	proxy    *httputil.ReverseProxy
	ln       net.Listener
	srv      *http.Server

	mu    sync.Mutex
	state map[key]*protection
}

// key names one blob version: by versionid when the request gives one,
// otherwise by the content's ETag ("etag:<etag>"). Azurite keeps no
// versions, so content written under the name later (straight to Azurite,
// as Azure would keep the protected version as a previous version) is
// another key and carries no protection of the old one.
type key struct{ container, name, version string }

func normETag(e string) string {
	return strings.Trim(strings.TrimPrefix(strings.ReplaceAll(e, "&quot;", `"`), "W/"), `"`)
}

func versionKey(versionID, etag string) string {
	if versionID != "" {
		return "v:" + versionID
	}
	return "etag:" + normETag(etag)
}

type protection struct {
	until  *time.Time
	locked bool
	hold   bool
}

func (p *protection) protects(now time.Time) (bool, string) {
	switch {
	case p == nil:
		return false, ""
	case p.hold:
		return true, "BlobImmutableDueToLegalHold"
	case p.until != nil && p.until.After(now):
		return true, "BlobImmutableDueToPolicy"
	}
	return false, ""
}

// Start serves the fake on a loopback address in front of o.Upstream.
func Start(o Options) (*Fake, error) {
	up, err := url.Parse(strings.TrimSuffix(o.Upstream, "/"))
	if err != nil || up.Host == "" {
		return nil, fmt.Errorf("wormfake: upstream %q is not a URL", o.Upstream)
	}
	if o.Listen == "" {
		o.Listen = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(o.Listen)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("wormfake: listen address %q must be a loopback IP and port", o.Listen)
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	cred, err := azblob.NewSharedKeyCredential(o.Account, o.Key)
	if err != nil {
		return nil, fmt.Errorf("wormfake: account key: %w", err)
	}
	bc, err := azblob.NewClientWithSharedKeyCredential(up.String()+"/", cred, nil)
	if err != nil {
		return nil, err
	}
	f := &Fake{upstream: up, prefix: strings.TrimSuffix(up.Path, "/"), clock: o.Clock, blobs: bc, state: map[key]*protection{}}
	f.proxy = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(up)
			r.Out.URL.Path, r.Out.URL.RawPath = r.In.URL.Path, r.In.URL.RawPath
			r.Out.Host = up.Host
			r.Out.Header.Del("Accept-Encoding") // answers are rewritten as text
		},
		ModifyResponse: f.decorate,
	}
	f.ln, err = net.Listen("tcp", o.Listen)
	if err != nil {
		return nil, fmt.Errorf("wormfake: listen: %w", err)
	}
	f.srv = &http.Server{Handler: f, ReadHeaderTimeout: 30 * time.Second}
	go func() { _ = f.srv.Serve(f.ln) }()
	if o.Logger != nil {
		o.Logger.Warn("FAKE: the enforcing immutability fake stands in front of Azurite; only Azure enforces it for real (docs/retention.md)",
			"fake", f.Endpoint(), "azurite", up.String())
	}
	return f, nil
}

// Endpoint is the blob endpoint through the fake, with the account path
// and no trailing slash: give it to clients in place of Azurite's.
func (f *Fake) Endpoint() string { return "http://" + f.ln.Addr().String() + f.prefix }

// Close stops serving.
func (f *Fake) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return f.srv.Shutdown(ctx)
}

// pathOf splits a request path into container and blob name ("" when the
// request is for the account or a container).
func (f *Fake) pathOf(r *http.Request) (container, name string) {
	p := strings.TrimPrefix(r.URL.Path, f.prefix)
	p = strings.TrimPrefix(p, "/")
	container, name, _ = strings.Cut(p, "/")
	return container, name
}

// writes are the operations a protected version refuses (comp values; ""
// is Put Blob / Copy Blob on PUT and Delete Blob on DELETE).
var writes = map[string]bool{"": true, "blocklist": true, "metadata": true, "properties": true, "page": true, "appendblock": true}

func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	container, name := f.pathOf(r)
	q := r.URL.Query()
	comp := q.Get("comp")
	if name == "" || q.Get("restype") != "" {
		f.proxy.ServeHTTP(w, r)
		return
	}
	vid := q.Get("versionid")
	switch {
	case comp == "immutabilityPolicies" && r.Method == http.MethodPut:
		f.setPolicy(w, r, container, name, vid)
		return
	case comp == "immutabilityPolicies" && r.Method == http.MethodDelete:
		f.deletePolicy(w, r, container, name, vid)
		return
	case comp == "legalhold" && r.Method == http.MethodPut:
		f.setHold(w, r, container, name, vid)
		return
	case (r.Method == http.MethodPut || r.Method == http.MethodDelete) && writes[comp]:
		if r.Method == http.MethodPut && comp == "" && r.Header.Get("x-ms-blob-type") == "" && r.Header.Get("x-ms-copy-source") == "" {
			break // not a write of this blob's content
		}
		etag, found, err := f.current(r.Context(), container, name)
		if err != nil {
			fail(w, http.StatusBadGateway, "UpstreamUnavailable", "fake: could not read the blob from Azurite: "+err.Error())
			return
		}
		if !found {
			break
		}
		f.mu.Lock()
		refused, code := f.state[key{container, name, versionKey(vid, etag)}].protects(f.clock())
		f.mu.Unlock()
		overwrite := r.Method == http.MethodPut && (comp == "" || comp == "blocklist")
		if refused && overwrite {
			// Azure keeps a protected version as a previous version when
			// new content is written over it (versioning is on wherever
			// version-level immutability is). Azurite keeps no versions,
			// so the fake keeps the content itself before the write.
			if err := f.preserve(r.Context(), container, name, etag); err != nil {
				fail(w, http.StatusBadGateway, "UpstreamUnavailable", "fake: could not keep the protected version: "+err.Error())
				return
			}
			refused = false
		}
		if refused {
			msg := "This operation is not permitted as the blob is immutable due to a policy."
			if code == "BlobImmutableDueToLegalHold" {
				msg = "This operation is not permitted as the blob is immutable due to one or more legal holds."
			}
			fail(w, http.StatusConflict, code, msg)
			return
		}
	}
	f.proxy.ServeHTTP(w, r)
}

// VersionsContainer is where the fake keeps protected content that new
// content was written over, as <container>/<name>@<etag>.
const VersionsContainer = "wormfake-versions"

func (f *Fake) preserve(ctx context.Context, container, name, etag string) error {
	if _, err := f.blobs.CreateContainer(ctx, VersionsContainer, nil); err != nil && !bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
		return err
	}
	svc := f.blobs.ServiceClient()
	src := svc.NewContainerClient(container).NewBlobClient(name)
	dst := svc.NewContainerClient(VersionsContainer).NewBlobClient(container + "/" + name + "@" + etag)
	r, err := dst.StartCopyFromURL(ctx, src.URL(), nil)
	if err != nil {
		return err
	}
	if r.CopyStatus == nil || *r.CopyStatus != blob.CopyStatusTypeSuccess || r.ETag == nil {
		return fmt.Errorf("copy of %s/%s did not finish at once", container, name)
	}
	// Azure's previous version keeps its policy and hold: so does the
	// kept copy (a delete or overwrite of it is refused alike).
	f.mu.Lock()
	if p := f.state[key{container, name, versionKey("", etag)}]; p != nil {
		kept := *p
		f.state[key{VersionsContainer, container + "/" + name + "@" + etag, versionKey("", string(*r.ETag))}] = &kept
	}
	f.mu.Unlock()
	return nil
}

// current reads the blob's ETag from Azurite (found false: no blob).
func (f *Fake) current(ctx context.Context, container, name string) (etag string, found bool, err error) {
	p, err := f.blobs.ServiceClient().NewContainerClient(container).NewBlobClient(name).GetProperties(ctx, nil)
	var re *azcore.ResponseError
	switch {
	case errors.As(err, &re) && re.StatusCode == http.StatusNotFound:
		return "", false, nil
	case err != nil:
		return "", false, err
	}
	return normETag(string(*p.ETag)), true, nil
}

// keyOf resolves a protection call to its key, answering 404
// BlobNotFound (as Azure) when the blob is not there.
func (f *Fake) keyOf(w http.ResponseWriter, r *http.Request, container, name, versionID string) (key, bool) {
	if versionID != "" {
		// Azurite keeps no versions, so no version id names one here;
		// Azure answers 404 for a version that does not exist.
		fail(w, http.StatusNotFound, "BlobNotFound", "The specified blob version does not exist (Azurite keeps no versions).")
		return key{}, false
	}
	etag, found, err := f.current(r.Context(), container, name)
	switch {
	case err != nil:
		fail(w, http.StatusBadGateway, "UpstreamUnavailable", "fake: could not read the blob from Azurite: "+err.Error())
		return key{}, false
	case !found:
		fail(w, http.StatusNotFound, "BlobNotFound", "The specified blob does not exist.")
		return key{}, false
	}
	return key{container, name, versionKey(versionID, etag)}, true
}

func (f *Fake) setPolicy(w http.ResponseWriter, r *http.Request, container, name, versionID string) {
	raw := r.Header.Get("x-ms-immutability-policy-until-date")
	until, err := http.ParseTime(raw)
	if err != nil {
		fail(w, http.StatusBadRequest, "InvalidHeaderValue", "x-ms-immutability-policy-until-date must be an RFC1123 date: "+raw)
		return
	}
	mode := strings.ToLower(r.Header.Get("x-ms-immutability-policy-mode"))
	if mode == "" {
		mode = "unlocked"
	}
	if mode != "unlocked" && mode != "locked" {
		fail(w, http.StatusBadRequest, "InvalidHeaderValue", "x-ms-immutability-policy-mode must be Unlocked or Locked")
		return
	}
	if !until.After(f.clock()) {
		fail(w, http.StatusBadRequest, "InvalidHeaderValue", "x-ms-immutability-policy-until-date must be in the future")
		return
	}
	k, found := f.keyOf(w, r, container, name, versionID)
	if !found {
		return
	}
	f.mu.Lock()
	p := f.entry(k)
	if p.locked && (mode == "unlocked" || (p.until != nil && until.Before(*p.until))) {
		f.mu.Unlock()
		fail(w, http.StatusConflict, "ImmutabilityPolicyLocked", "A locked immutability policy can only be extended.")
		return
	}
	p.until, p.locked = &until, mode == "locked"
	f.mu.Unlock()
	h := w.Header()
	h.Set("x-ms-immutability-policy-until-date", until.UTC().Format(http.TimeFormat))
	h.Set("x-ms-immutability-policy-mode", mode)
	ok(w)
}

// entry is k's protection, created empty; f.mu must be held.
func (f *Fake) entry(k key) *protection {
	p := f.state[k]
	if p == nil {
		p = &protection{}
		f.state[k] = p
	}
	return p
}

func (f *Fake) deletePolicy(w http.ResponseWriter, r *http.Request, container, name, versionID string) {
	k, found := f.keyOf(w, r, container, name, versionID)
	if !found {
		return
	}
	f.mu.Lock()
	p := f.state[k]
	if p != nil && p.locked {
		f.mu.Unlock()
		fail(w, http.StatusConflict, "ImmutabilityPolicyDeleteOnLockedPolicy", "A locked immutability policy cannot be deleted.")
		return
	}
	if p != nil {
		p.until = nil
	}
	f.mu.Unlock()
	ok(w)
}

func (f *Fake) setHold(w http.ResponseWriter, r *http.Request, container, name, versionID string) {
	hold, err := strconv.ParseBool(r.Header.Get("x-ms-legal-hold"))
	if err != nil {
		fail(w, http.StatusBadRequest, "InvalidHeaderValue", "x-ms-legal-hold must be true or false")
		return
	}
	k, found := f.keyOf(w, r, container, name, versionID)
	if !found {
		return
	}
	f.mu.Lock()
	f.entry(k).hold = hold
	f.mu.Unlock()
	w.Header().Set("x-ms-legal-hold", strconv.FormatBool(hold))
	ok(w)
}

// decorate adds the protection to property reads and listings.
func (f *Fake) decorate(resp *http.Response) error {
	r := resp.Request
	container, name := f.pathOf(r)
	q := r.URL.Query()
	if resp.StatusCode/100 != 2 {
		return nil
	}
	switch {
	case name != "" && q.Get("comp") == "" && (r.Method == http.MethodHead || r.Method == http.MethodGet):
		f.mu.Lock()
		p := f.state[key{container, name, versionKey(q.Get("versionid"), resp.Header.Get("ETag"))}]
		var c protection
		if p != nil {
			c = *p
		}
		f.mu.Unlock()
		if p != nil {
			if c.until != nil {
				resp.Header.Set("x-ms-immutability-policy-until-date", c.until.UTC().Format(http.TimeFormat))
				resp.Header.Set("x-ms-immutability-policy-mode", modeOf(c))
			}
			resp.Header.Set("x-ms-legal-hold", strconv.FormatBool(c.hold))
		}
	case name == "" && q.Get("restype") == "container" && q.Get("comp") == "list":
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		body = f.decorateList(container, body)
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	}
	return nil
}

func modeOf(p protection) string {
	if p.locked {
		return "locked"
	}
	return "unlocked"
}

var listedBlob = regexp.MustCompile(`(?s)<Blob>.*?</Blob>`)
var listedName = regexp.MustCompile(`(?s)<Name>(.*?)</Name>`)
var listedETag = regexp.MustCompile(`(?s)<Etag>(.*?)</Etag>`)

func (f *Fake) decorateList(container string, body []byte) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return listedBlob.ReplaceAllFunc(body, func(b []byte) []byte {
		m := listedName.FindSubmatch(b)
		if m == nil {
			return b
		}
		var etag string
		if em := listedETag.FindSubmatch(b); em != nil {
			etag = string(em[1])
		}
		p := f.state[key{container, xmlUnescape(string(m[1])), versionKey("", etag)}]
		if p == nil {
			return b
		}
		extra := "<LegalHold>" + strconv.FormatBool(p.hold) + "</LegalHold>"
		if p.until != nil {
			extra = "<ImmutabilityPolicyUntilDate>" + p.until.UTC().Format(http.TimeFormat) + "</ImmutabilityPolicyUntilDate>" +
				"<ImmutabilityPolicyMode>" + modeOf(*p) + "</ImmutabilityPolicyMode>" + extra
		}
		return bytes.Replace(b, []byte("</Properties>"), []byte(extra+"</Properties>"), 1)
	})
}

func xmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&apos;", "'").Replace(s)
}

func ok(w http.ResponseWriter) {
	w.Header().Set("x-ms-version", "2026-12-06")
	w.Header().Set("x-ms-request-id", fmt.Sprint(time.Now().UnixNano()))
	w.Header().Set("Date", time.Now().UTC().Format(http.TimeFormat))
	w.WriteHeader(http.StatusOK)
}

func fail(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("x-ms-error-code", code)
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Date", time.Now().UTC().Format(http.TimeFormat))
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?><Error><Code>%s</Code><Message>%s (wormfake)</Message></Error>`, code, msg)
}
