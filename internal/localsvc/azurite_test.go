package localsvc_test

import (
	"bytes"
	"errors"
	"io/fs"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"

	"github.com/bwv-ingest/bwv-ingest/internal/localsvc"
	"github.com/bwv-ingest/bwv-ingest/internal/localsvc/localsvctest"
)

func blobClient(t *testing.T, a *localsvc.Azurite) *azblob.Client {
	t.Helper()
	cred, err := azblob.NewSharedKeyCredential(a.Account, a.Key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := azblob.NewClientWithSharedKeyCredential(a.BlobEndpoint, cred, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAzuriteServesBlobsWithMetadata(t *testing.T) {
	a := localsvctest.Azurite(t)
	c := blobClient(t, a)
	if _, err := c.CreateContainer(ctx, "uploads", nil); err != nil {
		t.Fatalf("create container (azblob 1.8.3 needs --skipApiVersionCheck): %v", err)
	}
	content := bytes.Repeat([]byte("bwv"), 1000)
	_, err := c.UploadBuffer(ctx, "uploads", "PC1/clip.mp4", content, &azblob.UploadBufferOptions{
		Metadata: map[string]*string{"officerid": to.Ptr("PC1"), "sha256": to.Ptr(strings.Repeat("a", 64))},
	})
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	props, err := c.ServiceClient().NewContainerClient("uploads").NewBlobClient("PC1/clip.mp4").GetProperties(ctx, nil)
	if err != nil {
		t.Fatalf("get properties: %v", err)
	}
	if props.ContentLength == nil || *props.ContentLength != int64(len(content)) {
		t.Errorf("content length %v, want %d", props.ContentLength, len(content))
	}
	var officer string
	for k, v := range props.Metadata { // the SDK canonicalises key case
		if strings.EqualFold(k, "officerid") && v != nil {
			officer = *v
		}
	}
	if officer != "PC1" {
		t.Errorf("metadata %v, want officerid=PC1", props.Metadata)
	}
	if !strings.Contains(a.ConnectionString, "QueueEndpoint=http://127.0.0.1:") || a.QueuePort == 0 || a.QueuePort == a.BlobPort {
		t.Errorf("queue service: port %d, connection string %q", a.QueuePort, a.ConnectionString)
	}
}

func TestAzuriteStopEndsProcessAndRemovesTempData(t *testing.T) {
	if _, err := localsvc.ToolsDir(); errors.Is(err, localsvc.ErrToolsMissing) {
		localsvctest.Azurite(t) // skips or fails the way every service test does
	}
	a, err := localsvc.StartAzurite(ctx, localsvc.AzuriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pid, dir, port := a.PID(), a.Dir, a.BlobPort
	if err := a.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if err := a.Stop(); err != nil {
		t.Errorf("second stop: %v", err)
	}
	assertStopped(t, pid, port)
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("temporary data dir %s still there after Stop (%v)", dir, err)
	}
}

func TestAzuriteKeepsDataInDirAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	a := localsvctest.AzuriteWith(t, localsvc.AzuriteOptions{Dir: dir})
	if _, err := blobClient(t, a).UploadBuffer(ctx, mustContainer(t, a, "uploads"), "kept", []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	if err := a.Stop(); err != nil {
		t.Fatal(err)
	}
	b := localsvctest.AzuriteWith(t, localsvc.AzuriteOptions{Dir: dir})
	if _, err := blobClient(t, b).ServiceClient().NewContainerClient("uploads").NewBlobClient("kept").GetProperties(ctx, nil); err != nil {
		t.Errorf("blob written before restart: %v", err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("caller's data dir removed by Stop: %v", err)
	}
}

func TestCosmosStopEndsProcess(t *testing.T) {
	servers(t) // skip or fail like the other Cosmos tests when tools are missing
	c, err := localsvc.StartCosmos(ctx, localsvc.CosmosOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pid, port := c.PID(), c.Port
	if err := c.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	assertStopped(t, pid, port)
}

func TestMissingToolsNameTheInstallScript(t *testing.T) {
	_, err := localsvc.StartCosmos(ctx, localsvc.CosmosOptions{ToolsDir: t.TempDir()})
	if !errors.Is(err, localsvc.ErrToolsMissing) || !strings.Contains(err.Error(), "scripts/install-npm.sh") {
		t.Errorf("StartCosmos with empty tools dir: %v, want ErrToolsMissing naming scripts/install-npm.sh", err)
	}
	_, err = localsvc.StartAzurite(ctx, localsvc.AzuriteOptions{ToolsDir: t.TempDir()})
	if !errors.Is(err, localsvc.ErrToolsMissing) {
		t.Errorf("StartAzurite with empty tools dir: %v, want ErrToolsMissing", err)
	}
}

func TestLauncherRefusesNonLoopbackHost(t *testing.T) {
	servers(t)
	tools, err := localsvc.ToolsDir()
	if err != nil {
		t.Fatal(err)
	}
	out, err := execNode(tools, "cosmos-launcher.js", "--host", "0.0.0.0", "--port", "0")
	if err == nil || !strings.Contains(out, "loopback only") {
		t.Errorf("launcher on 0.0.0.0: err %v, output %q; want refusal", err, out)
	}
}

func mustContainer(t *testing.T, a *localsvc.Azurite, name string) string {
	t.Helper()
	if _, err := blobClient(t, a).CreateContainer(ctx, name, nil); err != nil {
		t.Fatal(err)
	}
	return name
}

// assertStopped checks that pid is gone and nothing listens on port.
func assertStopped(t *testing.T, pid, port int) {
	t.Helper()
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("process %d still exists after Stop (kill 0: %v)", pid, err)
	}
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", itoa(port)), time.Second)
	if err == nil {
		conn.Close()
		t.Errorf("port %d still accepts connections after Stop", port)
	}
}
