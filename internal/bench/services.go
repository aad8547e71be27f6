package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"

	"github.com/bwv-ingest/bwv-ingest/internal/localsvc"
	"github.com/bwv-ingest/bwv-ingest/internal/wormfake"
	"github.com/bwv-ingest/bwv-ingest/shared/blobstore"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb"
)

// services are the local Azurite (data on disk under dir) and Cosmos
// server, each also reachable through a counting proxy, and the bench's
// own clients to them (their transport counts too).
type services struct {
	az *localsvc.Azurite
	// worm is the enforcing immutability FAKE in front of Azurite (which
	// answers 501 to policies and holds): the handler sets policies on
	// verified clips as in Azure. Every blob client here, the handler's
	// and the bench's own raw sequences alike, goes through it, so the
	// proxy hop is in both sides of each ratio. blobEndpoint is its URL.
	worm         *wormfake.Fake
	blobEndpoint string
	cs           *localsvc.Cosmos
	blobs        *azblob.Client   // bench-side client, counted by rawBlob
	store        *blobstore.Store // the handler's Storage adapter, in the bench process, counted by rawBlob
	records      *cosmosdb.Store  // bench-side store, counted by rawCosmos
	// Round-trip counters: the handler's (through the proxies) and the
	// bench process's own (its transport).
	blobProxy, cosmosProxy *countingProxy
	rawBlob, rawCosmos     *counter
	database               string
}

func startServices(ctx context.Context, tools, dir string) (*services, error) {
	s := &services{database: "bwv"}
	var err error
	if s.az, err = localsvc.StartAzurite(ctx, localsvc.AzuriteOptions{Dir: dir, ToolsDir: tools}); err != nil {
		return nil, failf(err, "starting Azurite")
	}
	if s.worm, err = wormfake.Start(wormfake.Options{Upstream: s.az.BlobEndpoint, Account: s.az.Account, Key: s.az.Key}); err != nil {
		s.stop()
		return nil, failf(err, "starting the immutability fake")
	}
	s.blobEndpoint = strings.TrimSuffix(s.worm.Endpoint(), "/") + "/"
	if s.cs, err = localsvc.StartCosmos(ctx, localsvc.CosmosOptions{ToolsDir: tools}); err != nil {
		s.stop()
		return nil, failf(err, "starting the local Cosmos server")
	}
	if s.blobProxy, err = newCountingProxy(s.blobEndpoint); err != nil {
		s.stop()
		return nil, err
	}
	if s.cosmosProxy, err = newCountingProxy(s.cs.Endpoint); err != nil {
		s.stop()
		return nil, err
	}
	s.rawBlob, s.rawCosmos = &counter{}, &counter{}
	cred, err := azblob.NewSharedKeyCredential(s.az.Account, s.az.Key)
	if err != nil {
		s.stop()
		return nil, err
	}
	s.blobs, err = azblob.NewClientWithSharedKeyCredential(s.blobEndpoint, cred, &azblob.ClientOptions{
		ClientOptions: clientOptions(s.rawBlob)})
	if err != nil {
		s.stop()
		return nil, err
	}
	s.store, err = blobstore.New(blobstore.Options{Endpoint: s.blobEndpoint, Account: s.az.Account, Key: s.az.Key,
		Transport: countingTransport(s.rawBlob)})
	if err != nil {
		s.stop()
		return nil, err
	}
	for _, c := range []string{"uploads", "quarantine"} {
		if _, err := s.blobs.CreateContainer(ctx, c, nil); err != nil && !strings.Contains(err.Error(), "ContainerAlreadyExists") {
			s.stop()
			return nil, failf(err, "creating container %s", c)
		}
	}
	s.records, err = cosmosdb.New(cosmosdb.Options{Endpoint: s.cs.Endpoint, Key: s.cs.Key, Database: s.database,
		Clips: "clips", Audit: "audit", Transport: countingTransport(s.rawCosmos)})
	if err != nil {
		s.stop()
		return nil, err
	}
	if err := s.records.Bootstrap(ctx); err != nil {
		s.stop()
		return nil, failf(err, "creating the Cosmos database")
	}
	return s, nil
}

// withFreshCosmos is s with a new, empty local Cosmos server (and its
// counting proxy and store) and the same Azurite: the local server answers
// a query by scanning every document of the container, where Azure serves
// it from the index, so a step whose function queries (the sweep) is
// measured on its own documents only. stop stops the new server.
func (s *services) withFreshCosmos(ctx context.Context, tools string) (fresh *services, stop func(), err error) {
	f := *s
	f.rawCosmos = &counter{}
	if f.cs, err = localsvc.StartCosmos(ctx, localsvc.CosmosOptions{ToolsDir: tools}); err != nil {
		return nil, nil, failf(err, "starting a fresh local Cosmos server")
	}
	stop = func() {
		f.cosmosProxy.close()
		_ = f.cs.Stop()
	}
	if f.cosmosProxy, err = newCountingProxy(f.cs.Endpoint); err != nil {
		_ = f.cs.Stop()
		return nil, nil, err
	}
	f.records, err = cosmosdb.New(cosmosdb.Options{Endpoint: f.cs.Endpoint, Key: f.cs.Key, Database: f.database,
		Clips: "clips", Audit: "audit", Transport: countingTransport(f.rawCosmos)})
	if err == nil {
		err = f.records.Bootstrap(ctx)
	}
	if err != nil {
		stop()
		return nil, nil, failf(err, "creating the Cosmos database")
	}
	return &f, stop, nil
}

// handlerSettings are the handler's app settings against these services:
// through the counting proxies when counted, else straight to them (the
// proxies' own cost stays out of every timed figure).
func (s *services) handlerSettings(c Config, counted bool) map[string]string {
	blob, cosmos := s.blobEndpoint, s.cs.Endpoint
	if counted {
		blob, cosmos = s.blobProxy.url+"/"+s.az.Account+"/", s.cosmosProxy.url+"/"
	}
	return map[string]string{
		"FUNCTIONS_WORKER_RUNTIME":    "custom",
		"BWV_STORAGE_ACCOUNT":         s.az.Account,
		"BWV_STORAGE_REGION":          "uksouth",
		"BWV_BLOB_ENDPOINT":           blob,
		"BWV_STORAGE_KEY":             s.az.Key,
		"BWV_ALLOWED_REGIONS":         "uksouth,ukwest",
		"BWV_COSMOS_ENDPOINT":         cosmos,
		"BWV_COSMOS_KEY":              s.cs.Key,
		"BWV_COSMOS_DATABASE":         s.database,
		"BWV_COSMOS_BOOTSTRAP":        "true",
		"BWV_LOG_LEVEL":               "info", // as in Azure; the ready line is at info
		"BWV_VERIFY_RANGE_MIB":        fmt.Sprint(c.RangeMiB),
		"BWV_VERIFY_PARALLELISM":      fmt.Sprint(c.Parallelism),
		"BWV_TRUST_PRINCIPAL_HEADERS": "false",
	}
}

func (s *services) stop() {
	for _, p := range []*countingProxy{s.blobProxy, s.cosmosProxy} {
		if p != nil {
			p.close()
		}
	}
	if s.cs != nil {
		_ = s.cs.Stop()
	}
	if s.worm != nil {
		_ = s.worm.Close()
	}
	if s.az != nil {
		_ = s.az.Stop()
	}
}

// counter counts HTTP requests.
type counter struct{ n atomic.Int64 }

func (c *counter) get() int64 { return c.n.Load() }

type countRT struct {
	c    *counter
	next http.RoundTripper
}

func (t countRT) RoundTrip(r *http.Request) (*http.Response, error) {
	t.c.n.Add(1)
	return t.next.RoundTrip(r)
}

func clientOptions(c *counter) azcore.ClientOptions {
	return azcore.ClientOptions{Transport: countingTransport(c)}
}

func countingTransport(c *counter) *http.Client {
	return &http.Client{Transport: countRT{c: c, next: keepAliveTransport()}}
}

func keepAliveTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	t.MaxIdleConns = 256
	return t
}

// countingProxy is a reverse proxy on a free loopback port that counts
// every request it forwards: the handler's round trips, seen on the wire.
type countingProxy struct {
	url string
	n   counter
	srv *http.Server
	ln  net.Listener
}

func newCountingProxy(target string) (*countingProxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	u.Path = ""
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, failf(err, "listening for a counting proxy")
	}
	p := &countingProxy{url: "http://" + ln.Addr().String(), ln: ln}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = keepAliveTransport()
	rp.FlushInterval = -1
	// The Cosmos SDK sends later requests to the endpoint the account read
	// (GET /) names: that answer names the proxy, so every request passes
	// it and is counted.
	rp.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.Method != http.MethodGet || resp.Request.URL.Path != "/" {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		body = bytes.ReplaceAll(body, []byte(u.Host), []byte(ln.Addr().String()))
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	p.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.n.n.Add(1)
		rp.ServeHTTP(w, r)
	})}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

func (p *countingProxy) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = p.srv.Shutdown(ctx)
}

// tally snapshots both proxies' counts, to difference around a step.
type tally struct{ blob, cosmos int64 }

func (s *services) handlerTally() tally { return tally{s.blobProxy.n.get(), s.cosmosProxy.n.get()} }
func (s *services) rawTally() tally     { return tally{s.rawBlob.get(), s.rawCosmos.get()} }
func (t tally) since(u tally) tally     { return tally{t.blob - u.blob, t.cosmos - u.cosmos} }

// parallel runs f(i) for i in [0,n) on k workers and returns the first
// error.
func parallel(n, k int, f func(i int) error) error {
	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for range min(k, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					once.Do(func() { first = err })
					next.Store(int64(n))
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}
