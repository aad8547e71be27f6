package eventgrid

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// FuzzParse: any trigger value either parses into an event the ingest
// function can act on safely, or is refused as invalid input with a reason
// code (so it is recorded, answered 2xx and never retried); never a panic.
// The recorded payloads in testdata are the seed corpus and run as a normal
// test; explore with go test -fuzz=FuzzParse -parallel=1 ./shared/eventgrid/.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	if len(seeds) == 0 {
		f.Fatal("no seed payloads in testdata")
	}
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{``, `"`, `""`, `[]`, `[{}]`, `[{},{}]`, `null`, `"\"[1]\""`, `{"eventType":"Microsoft.Storage.BlobCreated"}`,
		`{"specversion":"1.0","type":"Microsoft.Storage.BlobCreated","source":"/x","subject":"/blobServices/default/containers/c/blobs/","data":{}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		ev, err := Parse(raw)
		if err != nil {
			if clip.KindOf(err) != clip.Invalid || clip.CodeOf(err) == "" {
				t.Fatalf("refusal without kind invalid and a reason code: kind %q code %q: %v", clip.KindOf(err), clip.CodeOf(err), err)
			}
			return
		}
		switch ev.Kind {
		case KindBlobCreated:
			b := ev.Blob
			if b == nil {
				t.Fatal("BlobCreated without blob details")
			}
			if b.Account == "" || b.Container == "" || b.Name == "" {
				t.Fatalf("BlobCreated without account/container/name: %+v", b)
			}
			if b.ContentLength < 0 {
				t.Fatalf("negative content length: %+v", b)
			}
		case KindValidation:
			if ev.ValidationCode == "" {
				t.Fatal("validation event without a code")
			}
		case KindOther:
		default:
			t.Fatalf("unknown kind %d", ev.Kind)
		}
	})
}
