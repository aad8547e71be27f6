package localrun

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/bwv-ingest/bwv-ingest/internal/atomicfile"
	"github.com/bwv-ingest/bwv-ingest/internal/devhost"
	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

// Target is a running local pipeline as its clients see it: where storage,
// Cosmos and the Functions host answer, and with which keys. It is read
// from a local.settings.json-style file, the file `bwv run` writes.
type Target struct {
	Account             string
	Key                 string
	BlobEndpoint        string // with the account path, no trailing slash
	QueueEndpoint       string // with the account path, no trailing slash
	UploadContainer     string
	QuarantineContainer string
	VerifyQueue         string
	CosmosEndpoint      string
	CosmosKey           string
	Database            string
	ClipsContainer      string
	AuditContainer      string
	HostURL             string // e.g. http://127.0.0.1:7071
	FunctionKey         string
	// Source names where the target was read from, for messages.
	Source string
}

// PoisonQueue is the host's poison queue for the verify queue.
func (t Target) PoisonQueue() string { return t.VerifyQueue + "-poison" }

// DefaultHostPort is the local host's port (Core Tools' default).
const DefaultHostPort = 7071

// RunSettingsPath is where `bwv run` writes the settings of the running
// pipeline (git-ignored), relative to the repository root.
const RunSettingsPath = ".local/run/local.settings.json"

// settingsFile is the local.settings.json shape: Values plus Core Tools'
// Host section, whose LocalHttpPort says where the host listens.
type settingsFile struct {
	IsEncrypted bool              `json:"IsEncrypted"`
	Values      map[string]string `json:"Values"`
	Host        *struct {
		LocalHTTPPort int `json:"LocalHttpPort"`
	} `json:"Host,omitempty"`
}

// ReadSettings reads the Values and the host port (0 if absent) of a
// local.settings.json-style file.
func ReadSettings(path string) (map[string]string, int, error) {
	values, err := devhost.LoadSettings(path)
	if err != nil {
		return nil, 0, reason.Errorf(CodeSettingsInvalid, err, "reading settings %s", path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, reason.Errorf(CodeSettingsInvalid, err, "reading settings %s", path)
	}
	var f struct {
		Host struct {
			LocalHTTPPort int `json:"LocalHttpPort"`
		} `json:"Host"`
	}
	_ = json.Unmarshal(b, &f) // LoadSettings already proved it is valid JSON
	return values, f.Host.LocalHTTPPort, nil
}

// WriteSettings writes values and the host port as a local.settings.json
// file (mode 0600: it holds local keys).
func WriteSettings(path string, values map[string]string, hostPort int) error {
	f := settingsFile{Values: values}
	f.Host = &struct {
		LocalHTTPPort int `json:"LocalHttpPort"`
	}{hostPort}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(path, append(b, '\n'), 0o600)
}

// TargetFromSettings builds a Target from handler settings and the host port.
func TargetFromSettings(v map[string]string, hostPort int, source string) (Target, error) {
	get := func(k, def string) string {
		if s := strings.TrimSpace(v[k]); s != "" {
			return s
		}
		return def
	}
	sa, err := devhost.ParseConnectionString(v["AzureWebJobsStorage"])
	if err != nil {
		return Target{}, reason.Errorf(CodeSettingsInvalid, err, "%s: setting AzureWebJobsStorage", source)
	}
	if hostPort == 0 {
		hostPort = DefaultHostPort
	}
	t := Target{
		Account:             get("BWV_STORAGE_ACCOUNT", sa.Name),
		Key:                 get("BWV_STORAGE_KEY", sa.Key),
		BlobEndpoint:        strings.TrimRight(get("BWV_BLOB_ENDPOINT", sa.BlobEndpoint), "/"),
		QueueEndpoint:       strings.TrimRight(sa.QueueEndpoint, "/"),
		UploadContainer:     get("BWV_UPLOAD_CONTAINER", "uploads"),
		QuarantineContainer: get("BWV_QUARANTINE_CONTAINER", "quarantine"),
		VerifyQueue:         "clip-verify",
		CosmosEndpoint:      get("BWV_COSMOS_ENDPOINT", ""),
		CosmosKey:           get("BWV_COSMOS_KEY", ""),
		Database:            get("BWV_COSMOS_DATABASE", "bwv"),
		ClipsContainer:      get("BWV_COSMOS_CLIPS_CONTAINER", "clips"),
		AuditContainer:      get("BWV_COSMOS_AUDIT_CONTAINER", "audit"),
		HostURL:             "http://127.0.0.1:" + strconv.Itoa(hostPort),
		FunctionKey:         get("BWV_FUNCTION_KEY", ""),
		Source:              source,
	}
	for name, val := range map[string]string{"BWV_STORAGE_KEY (or AccountKey in AzureWebJobsStorage)": t.Key,
		"BWV_BLOB_ENDPOINT": t.BlobEndpoint, "BWV_COSMOS_ENDPOINT": t.CosmosEndpoint, "BWV_COSMOS_KEY": t.CosmosKey} {
		if val == "" {
			return Target{}, reason.Errorf(CodeSettingsInvalid, nil, "%s: setting %s is empty; the local tools need it", source, name)
		}
	}
	return t, nil
}

// LoadTarget reads the Target from path, or, when path is "", from the first
// of: the settings `bwv run` wrote for the running pipeline
// (<root>/.local/run/local.settings.json), <root>/local.settings.json,
// <root>/local.settings.sample.json — root being the repository holding the
// working directory (or the working directory itself).
func LoadTarget(path string) (Target, error) {
	if path == "" {
		root := RepoRoot()
		for _, p := range []string{RunSettingsPath, "local.settings.json", "local.settings.sample.json"} {
			cand := filepath.Join(root, p)
			if _, err := os.Stat(cand); err == nil {
				path = cand
				break
			} else if !errors.Is(err, fs.ErrNotExist) {
				return Target{}, reason.Errorf(CodeSettingsInvalid, err, "checking %s", cand)
			}
		}
		if path == "" {
			return Target{}, reason.Errorf(CodeSettingsInvalid, nil,
				"no settings found (looked for %s, local.settings.json, local.settings.sample.json under %s); start the pipeline with `make run` or pass --settings", RunSettingsPath, root)
		}
	}
	values, port, err := ReadSettings(path)
	if err != nil {
		return Target{}, err
	}
	return TargetFromSettings(values, port, path)
}

// RepoRoot is the nearest directory at or above the working directory that
// holds go.mod, else the working directory.
func RepoRoot() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		if filepath.Dir(dir) == dir {
			return wd
		}
	}
}

// String describes the target without keys.
func (t Target) String() string {
	return fmt.Sprintf("blob %s, queue %s, cosmos %s, host %s (settings %s)", t.BlobEndpoint, t.QueueEndpoint, t.CosmosEndpoint, t.HostURL, t.Source)
}
