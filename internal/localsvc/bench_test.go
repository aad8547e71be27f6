package localsvc_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/bwv-ingest/bwv-ingest/internal/localsvc"
)

// BenchmarkSequentialCreate1KB compares sequential 1 KB CreateItem calls
// through the launcher (keep-alive), the launcher with a client that refuses
// keep-alive (the cost of a TCP connection per request), and the bare server.
// Compare creates/s across sub-benchmarks of one run:
//
//	go test ./internal/localsvc -run '^$' -bench SequentialCreate -benchtime 2000x
func BenchmarkSequentialCreate1KB(b *testing.B) {
	l, bareSrv := launched, bare
	if startErr != nil {
		b.Skip(startErr)
	}
	pad := strings.Repeat("x", 1024-60)
	for _, tc := range []struct {
		name        string
		srv         *localsvc.Cosmos
		noKeepAlive bool
	}{
		{"launcher", l, false},
		{"launcher-no-keepalive-client", l, true},
		{"bare", bareSrv, false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			c := benchContainer(b, tc.srv, tc.noKeepAlive, tc.name)
			pk := azcosmos.NewPartitionKeyString("PC1")
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				doc := fmt.Sprintf(`{"id":"%s-%d","officerId":"PC1","pad":%q}`, tc.name, i, pad)
				if _, err := c.CreateItem(context.Background(), pk, []byte(doc), nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "creates/s")
		})
	}
}

func benchContainer(b *testing.B, srv *localsvc.Cosmos, noKeepAlive bool, name string) *azcosmos.ContainerClient {
	b.Helper()
	cred, _ := azcosmos.NewKeyCredential(srv.Key)
	tr := &http.Transport{DisableKeepAlives: noKeepAlive, MaxIdleConnsPerHost: 4}
	b.Cleanup(tr.CloseIdleConnections)
	client, err := azcosmos.NewClientWithKey(srv.Endpoint, cred, &azcosmos.ClientOptions{
		ClientOptions: policy.ClientOptions{Transport: &http.Client{Transport: tr}},
	})
	if err != nil {
		b.Fatal(err)
	}
	db := fmt.Sprintf("bench%d", dbSeq.Add(1))
	if _, err := client.CreateDatabase(context.Background(), azcosmos.DatabaseProperties{ID: db}, nil); err != nil {
		b.Fatal(err)
	}
	d, _ := client.NewDatabase(db)
	props := azcosmos.ContainerProperties{ID: "clips", PartitionKeyDefinition: azcosmos.PartitionKeyDefinition{Paths: []string{"/officerId"}}}
	if _, err := d.CreateContainer(context.Background(), props, nil); err != nil {
		b.Fatal(err)
	}
	c, _ := d.NewContainer("clips")
	return c
}

// BenchmarkStartCosmos measures launcher start to ready line, and stop.
func BenchmarkStartCosmos(b *testing.B) {
	if startErr != nil {
		b.Skip(startErr)
	}
	for i := 0; i < b.N; i++ {
		c, err := localsvc.StartCosmos(context.Background(), localsvc.CosmosOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Stop(); err != nil {
			b.Fatal(err)
		}
	}
}
