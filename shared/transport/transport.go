// Package transport answers one question for the adapters (blobstore,
// cosmosdb): did a call fail in transport — the service could not be reached
// or the connection broke before a full answer arrived — rather than with an
// answer from the service? Such failures are worth retrying later; the
// adapters map them to clip.Transient with their own "unavailable" code.
//
// The classification works on error values (errors.Is / errors.As), never on
// error text, except for the one case documented at http2ConnectionLost.
package transport

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
)

// connErrnos are the system errors of a connection that could not be made or
// broke: refused, reset, aborted, broken pipe, timed out, unreachable.
var connErrnos = []error{
	syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED, syscall.EPIPE,
	syscall.ETIMEDOUT, syscall.EHOSTUNREACH, syscall.ENETUNREACH, syscall.ENETDOWN,
}

// IsFailure reports whether err is a transport failure. What the Azure SDK
// returns for one, read from azcore v1.23 (runtime/policy_retry.go,
// runtime/policy_body_download.go): the error of http.Client.Do, a
// *url.Error wrapping a *net.OpError (dial refused, connection reset) or
// io.EOF (closed before a response); a body cut short is io.ErrUnexpectedEOF
// from net/http, or a *net.OpError with ECONNRESET, possibly wrapped by
// azcore's body-download error (which unwraps); an expired deadline is the
// context's error, since azcore returns ctx.Err() when the caller's context
// ends. All of these wrap (Unwrap), so errors.Is/As see them.
//
// Not failures here: nil; context.Canceled (the caller gave up — each adapter
// decides what that means); an HTTP answer (azcore.ResponseError: the
// service did answer); a certificate or TLS verification error (a
// misconfiguration that retrying will not fix); a bad URL.
func IsFailure(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	if isTLSVerification(err) {
		return false
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return true
	case errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.Is(err, net.ErrClosed):
		return true
	}
	for _, errno := range connErrnos {
		if errors.Is(err, errno) {
			return true
		}
	}
	var op *net.OpError
	if errors.As(err, &op) { // dial, read or write on a socket failed
		return true
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() { // e.g. http.Client.Timeout, a TLS handshake timeout
		return true
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// The round trip ended with io.EOF: the server closed the
		// connection before any response (net/http returns io.EOF here).
		// Only inside a *url.Error: a bare io.EOF is the normal end of a
		// stream, not a transport failure.
		if errors.Is(ue.Err, io.EOF) {
			return true
		}
		if http2ConnectionLost(ue.Err) {
			return true
		}
	}
	return false
}

// http2ConnectionLost matches the HTTP/2 connection-loss errors of net/http's
// bundled HTTP/2 client ("http2: client connection lost", "http2: server
// sent GOAWAY and closed the connection", "http2: client connection force
// closed via ClientConn.Close"). String matching because those errors are
// values of unexported types (or errors.New values) in the bundle
// (net/http/h2_bundle.go) with no exported sentinel or type to match with
// errors.Is/As; Azure endpoints speak HTTP/2 when the SDK's transport
// negotiates it. Applied only to the error inside a *url.Error.
func http2ConnectionLost(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.HasPrefix(msg, "http2: client connection lost") ||
		strings.HasPrefix(msg, "http2: server sent GOAWAY") ||
		strings.HasPrefix(msg, "http2: client connection force closed")
}

// isTLSVerification: the peer's certificate was refused. Such errors come
// wrapped in *net.OpError on some paths, so they are excluded first.
func isTLSVerification(err error) bool {
	var (
		cve *tls.CertificateVerificationError
		ua  x509.UnknownAuthorityError
		hn  x509.HostnameError
		ci  x509.CertificateInvalidError
		rh  tls.RecordHeaderError
	)
	return errors.As(err, &cve) || errors.As(err, &ua) || errors.As(err, &hn) || errors.As(err, &ci) || errors.As(err, &rh)
}
