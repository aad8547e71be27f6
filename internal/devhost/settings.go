package devhost

import (
	"encoding/json"
	"os"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

// LoadSettings reads the Values of a local.settings.json-style file. Core Tools
// puts these into the host's and the handler's environment; so does this host.
func LoadSettings(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, reason.Errorf(CodeConfigMissing, err, "read settings file %s", path)
	}
	var f struct {
		IsEncrypted bool           `json:"IsEncrypted"`
		Values      map[string]any `json:"Values"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, reason.Errorf(CodeConfigInvalid, err, "settings file %s is not valid JSON", path)
	}
	if f.IsEncrypted {
		return nil, reason.Errorf(CodeConfigInvalid, nil, "settings file %s is encrypted; the local host reads plain values only", path)
	}
	out := make(map[string]string, len(f.Values))
	for k, v := range f.Values {
		switch t := v.(type) {
		case string:
			out[k] = t
		case nil:
			out[k] = ""
		default: // Core Tools accepts numbers and booleans and passes their text
			b, _ := json.Marshal(t)
			out[k] = string(b)
		}
	}
	return out, nil
}
