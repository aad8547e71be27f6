package eventgrid

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

func load(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// forms gives the object form, the JSON-string form and (for objects) the
// one-element array form of a recorded payload.
func forms(t *testing.T, raw []byte) map[string][]byte {
	s, _ := json.Marshal(string(raw))
	out := map[string][]byte{"as delivered": raw, "as JSON string": s}
	if raw[0] == '{' {
		out["as array"] = append(append([]byte("["), raw...), ']')
	}
	return out
}

func TestParseBlobCreated(t *testing.T) {
	tests := []struct {
		file, schema, api, etag, seq string
		length                       int64
	}{
		{"blobcreated.eventgrid.json", "EventGridSchema", "PutBlockList", "0x8D4BCC2E4835CD0", "00000000000004420000000000028963", 524288},
		{"blobcreated.cloudevent.json", "CloudEventSchemaV1_0", "PutBlob", "0x8D76C39E4407333", "000000000000000000000000000099240000000000c41c18", 30699},
	}
	for _, tt := range tests {
		for form, raw := range forms(t, load(t, tt.file)) {
			t.Run(tt.file+" "+form, func(t *testing.T) {
				ev, err := Parse(raw)
				if err != nil {
					t.Fatal(err)
				}
				b := ev.Blob
				if ev.Kind != KindBlobCreated || ev.Schema != tt.schema || b == nil {
					t.Fatalf("%+v", ev)
				}
				if b.Account != "stbwvuks" || b.Container != "uploads" || b.Name != "2026/03/01/AB1234/CAM-0042_140000.mp4" {
					t.Errorf("blob identity %+v", b)
				}
				if b.API != tt.api || b.ETag != tt.etag || b.Sequencer != tt.seq || b.ContentLength != tt.length {
					t.Errorf("data %+v", b)
				}
				if b.URL != "https://stbwvuks.blob.core.windows.net/uploads/2026/03/01/AB1234/CAM-0042_140000.mp4" {
					t.Errorf("url %s", b.URL)
				}
				if ev.ID != "831e1650-001e-001b-66ab-eeb76e069631" || ev.Time.IsZero() {
					t.Errorf("envelope %+v", ev)
				}
			})
		}
	}
}

func TestParseValidation(t *testing.T) {
	ev, err := Parse(load(t, "validation.eventgrid.json"))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Kind != KindValidation || ev.ValidationCode != "512d38b6-c7b8-40c8-89fe-f46f9e9622b6" {
		t.Fatalf("%+v", ev)
	}
}

func TestParseOtherEventsAreIgnorable(t *testing.T) {
	ev, err := Parse(load(t, "blobdeleted.eventgrid.json"))
	if err != nil || ev.Kind != KindOther || ev.Type != "Microsoft.Storage.BlobDeleted" {
		t.Fatalf("%+v %v", ev, err)
	}
}

func TestParseMalformed(t *testing.T) {
	for name, raw := range map[string]string{
		"empty":              ``,
		"not json":           `hello`,
		"number":             `42`,
		"two events":         `[{}, {}]`,
		"no type":            `{"id":"1","subject":"/x"}`,
		"bad subject":        `{"id":"1","eventType":"Microsoft.Storage.BlobCreated","subject":"/nope","topic":"/subscriptions/s/providers/Microsoft.Storage/storageAccounts/a","data":{"url":"u","eTag":"e"}}`,
		"no account":         `{"id":"1","eventType":"Microsoft.Storage.BlobCreated","subject":"/blobServices/default/containers/c/blobs/b","topic":"/subscriptions/s","data":{"url":"u","eTag":"e"}}`,
		"no etag":            `{"id":"1","eventType":"Microsoft.Storage.BlobCreated","subject":"/blobServices/default/containers/c/blobs/b","topic":"/subscriptions/s/providers/Microsoft.Storage/storageAccounts/a","data":{"url":"u"}}`,
		"validation no code": `{"id":"1","eventType":"Microsoft.EventGrid.SubscriptionValidationEvent","subject":"","data":{}}`,
		"data wrong type":    `{"id":"1","eventType":"Microsoft.Storage.BlobCreated","subject":"/blobServices/default/containers/c/blobs/b","topic":"/subscriptions/s/providers/Microsoft.Storage/storageAccounts/a","data":{"contentLength":"big"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(raw))
			if clip.CodeOf(err) != clip.CodeEventMalformed || clip.KindOf(err) != clip.Invalid {
				t.Fatalf("want EVENT_MALFORMED, got %v", err)
			}
		})
	}
}
