package transport_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/bwv-ingest/bwv-ingest/shared/transport"
)

// rawServer accepts connections on a loopback port and hands each to serve.
func rawServer(t *testing.T, serve func(c *net.TCPConn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(c.(*net.TCPConn))
		}
	}()
	return "http://" + ln.Addr().String() + "/"
}

func readRequest(c *net.TCPConn) {
	_, _ = http.ReadRequest(bufio.NewReader(c))
}

// closedPort is a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func client() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
}

func get(t *testing.T, ctx context.Context, c *http.Client, u string) error {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.ReadAll(resp.Body)
	return err
}

// azcorePipeline sends through azcore's own pipeline (retry, body download)
// with retries off, so the error is exactly what an adapter sees.
func azcoreDo(t *testing.T, ctx context.Context, method, u string) error {
	t.Helper()
	pl := runtime.NewPipeline("transporttest", "v0", runtime.PipelineOptions{},
		&policy.ClientOptions{Retry: policy.RetryOptions{MaxRetries: -1}, Transport: client()})
	req, err := runtime.NewRequest(ctx, method, u)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := pl.Do(req)
	if err != nil {
		return err
	}
	if !runtime.HasStatusCode(resp, http.StatusOK) {
		return runtime.NewResponseError(resp)
	}
	return nil
}

func TestIsFailure(t *testing.T) {
	// Servers that misbehave in the ways a network does.
	reset := rawServer(t, func(c *net.TCPConn) { // RST after reading the request
		readRequest(c)
		_ = c.SetLinger(0)
		c.Close()
	})
	closeBeforeResponse := rawServer(t, func(c *net.TCPConn) { // FIN, no response
		readRequest(c)
		c.Close()
	})
	midBody := rawServer(t, func(c *net.TCPConn) { // promises 1000 bytes, sends 10
		readRequest(c)
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789")
		c.Close()
	})
	resetMidBody := rawServer(t, func(c *net.TCPConn) { // RST after part of the body
		readRequest(c)
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789")
		time.Sleep(50 * time.Millisecond)
		_ = c.SetLinger(0)
		c.Close()
	})
	hang := rawServer(t, func(c *net.TCPConn) { // never answers
		readRequest(c)
		time.Sleep(5 * time.Second)
		c.Close()
	})
	unavailable := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(unavailable.Close)
	tlsSrv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is the point
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)

	bg := context.Background()
	tests := []struct {
		name string
		err  func(t *testing.T) error
		want bool
	}{
		{"dial a closed loopback port", func(t *testing.T) error {
			_, err := net.DialTimeout("tcp", closedPort(t), time.Second)
			return err
		}, true},
		{"GET a closed loopback port", func(t *testing.T) error { return get(t, bg, client(), "http://"+closedPort(t)+"/") }, true},
		{"azcore: closed loopback port", func(t *testing.T) error {
			return azcoreDo(t, bg, http.MethodGet, "http://"+closedPort(t)+"/")
		}, true},
		{"server resets the connection", func(t *testing.T) error { return get(t, bg, client(), reset) }, true},
		{"server closes before any response", func(t *testing.T) error { return get(t, bg, client(), closeBeforeResponse) }, true},
		{"server closes mid-body", func(t *testing.T) error { return get(t, bg, client(), midBody) }, true},
		{"server resets mid-body", func(t *testing.T) error { return get(t, bg, client(), resetMidBody) }, true},
		{"azcore: server closes mid-body (GET, retriable)", func(t *testing.T) error {
			return azcoreDo(t, bg, http.MethodGet, midBody)
		}, true},
		{"azcore: server closes mid-body (POST, body-download error)", func(t *testing.T) error {
			return azcoreDo(t, bg, http.MethodPost, midBody)
		}, true},
		{"azcore: server resets", func(t *testing.T) error { return azcoreDo(t, bg, http.MethodGet, reset) }, true},
		{"context deadline while the server hangs", func(t *testing.T) error {
			ctx, cancel := context.WithTimeout(bg, 100*time.Millisecond)
			defer cancel()
			return get(t, ctx, client(), hang)
		}, true},
		{"azcore: context deadline while the server hangs", func(t *testing.T) error {
			ctx, cancel := context.WithTimeout(bg, 100*time.Millisecond)
			defer cancel()
			return azcoreDo(t, ctx, http.MethodGet, hang)
		}, true},
		{"http.Client timeout while the server hangs", func(t *testing.T) error {
			c := client()
			c.Timeout = 100 * time.Millisecond
			return get(t, bg, c, hang)
		}, true},
		{"HTTP/2 connection lost (unexported net/http type: matched by text)", func(*testing.T) error {
			return &url.Error{Op: "Get", URL: "https://x/", Err: errors.New("http2: client connection lost")}
		}, true},

		{"nil", func(*testing.T) error { return nil }, false},
		{"caller cancelled", func(t *testing.T) error {
			ctx, cancel := context.WithCancel(bg)
			cancel()
			return get(t, ctx, client(), hang)
		}, false},
		{"azcore: the service answered 503", func(t *testing.T) error {
			return azcoreDo(t, bg, http.MethodGet, unavailable.URL)
		}, false},
		{"TLS: certificate signed by an unknown authority", func(t *testing.T) error { return get(t, bg, client(), tlsSrv.URL) }, false},
		{"unsupported URL scheme", func(t *testing.T) error { return get(t, bg, client(), "ftp://127.0.0.1/") }, false},
		{"a bare io.EOF (the end of a stream)", func(*testing.T) error { return io.EOF }, false},
		{"an error that only says connection", func(*testing.T) error { return errors.New("connection EOF: not a transport error value") }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.err(t)
			if tt.want && err == nil {
				t.Fatal("the scenario produced no error")
			}
			if got := transport.IsFailure(err); got != tt.want {
				t.Fatalf("IsFailure(%T %v) = %v, want %v", err, err, got, tt.want)
			}
		})
	}
}

// The 503 case really is an azcore.ResponseError (the adapters classify it
// by status, before asking IsFailure).
func TestResponseErrorIsNotTransport(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	err := azcoreDo(t, context.Background(), http.MethodGet, srv.URL)
	var re *azcore.ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusServiceUnavailable || transport.IsFailure(err) {
		t.Fatalf("got %T %v", err, err)
	}
	if !strings.Contains(err.Error(), "503") {
		t.Fatalf("got %v", err)
	}
}
