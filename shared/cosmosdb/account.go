package cosmosdb

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// AccountRegions reads the database account resource (GET on the account
// endpoint) and returns the names of its readable and writable locations.
// The handler refuses to start unless every one is allowed. The Go SDK does
// not expose this call, so it is made here with the same authorisation.
func (s *Store) AccountRegions(ctx context.Context) ([]string, error) {
	u, err := url.Parse(s.opts.Endpoint)
	if err != nil {
		return nil, err
	}
	u.Path = "/"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	date := strings.ToLower(time.Now().UTC().Format(http.TimeFormat))
	req.Header.Set("x-ms-date", date)
	req.Header.Set("x-ms-version", "2020-07-15")
	auth, err := s.authorization(ctx, u, date)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, classify(err, "reading the Cosmos account")
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return nil, clip.Errorf(clip.Transient, clip.CodeCosmosUnavailable, "reading the Cosmos account: HTTP %d: %.200s", resp.StatusCode, body)
	}
	var acct struct {
		Writable []struct{ Name string } `json:"writableLocations"`
		Readable []struct{ Name string } `json:"readableLocations"`
	}
	if err := json.Unmarshal(body, &acct); err != nil {
		return nil, clip.Wrap(clip.Internal, err, "decoding the Cosmos account")
	}
	seen := map[string]bool{}
	var regions []string
	for _, l := range append(acct.Writable, acct.Readable...) {
		if l.Name != "" && !seen[l.Name] {
			seen[l.Name] = true
			regions = append(regions, l.Name)
		}
	}
	return regions, nil
}

func (s *Store) authorization(ctx context.Context, u *url.URL, date string) (string, error) {
	if s.opts.Key == "" {
		tok, err := s.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{fmt.Sprintf("%s://%s/.default", u.Scheme, u.Hostname())}})
		if err != nil {
			return "", fmt.Errorf("cosmos token: %w", err)
		}
		return url.QueryEscape("type=aad&ver=1.0&sig=" + tok.Token), nil
	}
	key, err := base64.StdEncoding.DecodeString(s.opts.Key)
	if err != nil {
		return "", fmt.Errorf("cosmos key is not base64: %w", err)
	}
	// Master-key signature of verb, resource type, resource link and date
	// (empty type and link for the account resource).
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "get\n\n\n%s\n\n", date)
	sig := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	return url.QueryEscape("type=master&ver=1.0&sig=" + sig), nil
}
