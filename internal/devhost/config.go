package devhost

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

// HostConfig is what the local host uses from host.json.
type HostConfig struct {
	Version                     string
	ExecutablePath              string // customHandler.description.defaultExecutablePath
	WorkingDirectory            string
	Arguments                   []string
	EnableForwardingHTTPRequest bool
	FunctionTimeout             time.Duration
	Queues                      QueueOptions
}

// QueueOptions are host.json extensions.queues, with the defaults of the
// Storage Queues extension v5 (Microsoft.Azure.WebJobs.Extensions.Storage.Queues
// QueuesOptions) where a key is absent.
type QueueOptions struct {
	BatchSize          int
	NewBatchThreshold  int
	MaxPollingInterval time.Duration
	VisibilityTimeout  time.Duration // delay before a failed message becomes visible again
	MaxDequeueCount    int
	MessageEncoding    string // "base64" or "none"
}

// DefaultQueueOptions are the extension's defaults for one instance.
func DefaultQueueOptions() QueueOptions {
	return QueueOptions{
		BatchSize:          16,
		NewBatchThreshold:  8, // batchSize/2 on one instance
		MaxPollingInterval: time.Minute,
		VisibilityTimeout:  0,
		MaxDequeueCount:    5,
		MessageEncoding:    "base64",
	}
}

type hostJSON struct {
	Version         string `json:"version"`
	FunctionTimeout string `json:"functionTimeout"`
	Extensions      struct {
		Queues map[string]json.RawMessage `json:"queues"`
	} `json:"extensions"`
	CustomHandler *struct {
		Description struct {
			DefaultExecutablePath string   `json:"defaultExecutablePath"`
			WorkingDirectory      string   `json:"workingDirectory"`
			Arguments             []string `json:"arguments"`
		} `json:"description"`
		EnableForwardingHTTPRequest bool `json:"enableForwardingHttpRequest"`
	} `json:"customHandler"`
}

// LoadHostConfig reads <root>/host.json.
func LoadHostConfig(root string) (HostConfig, error) {
	path := filepath.Join(root, "host.json")
	b, err := os.ReadFile(path)
	if err != nil {
		return HostConfig{}, reason.Errorf(CodeConfigMissing, err, "read %s", path)
	}
	return parseHostConfig(path, b)
}

func parseHostConfig(path string, b []byte) (HostConfig, error) {
	var h hostJSON
	if err := json.Unmarshal(b, &h); err != nil {
		return HostConfig{}, reason.Errorf(CodeConfigInvalid, err, "%s is not valid JSON", path)
	}
	if h.Version != "2.0" {
		return HostConfig{}, reason.Errorf(CodeConfigInvalid, nil, "%s: version %q, want \"2.0\"", path, h.Version)
	}
	if h.CustomHandler == nil || h.CustomHandler.Description.DefaultExecutablePath == "" {
		return HostConfig{}, reason.Errorf(CodeConfigInvalid, nil, "%s: customHandler.description.defaultExecutablePath is required", path)
	}
	cfg := HostConfig{
		Version:                     h.Version,
		ExecutablePath:              h.CustomHandler.Description.DefaultExecutablePath,
		WorkingDirectory:            h.CustomHandler.Description.WorkingDirectory,
		Arguments:                   h.CustomHandler.Description.Arguments,
		EnableForwardingHTTPRequest: h.CustomHandler.EnableForwardingHTTPRequest,
		FunctionTimeout:             30 * time.Minute, // Premium/Dedicated default; Consumption is 5 min
		Queues:                      DefaultQueueOptions(),
	}
	if h.FunctionTimeout != "" {
		d, err := ParseTimeSpan(h.FunctionTimeout)
		if err != nil || d <= 0 {
			return HostConfig{}, reason.Errorf(CodeConfigInvalid, err, "%s: functionTimeout %q is not a positive hh:mm:ss", path, h.FunctionTimeout)
		}
		cfg.FunctionTimeout = d
	}
	newThresholdSet := false
	for k, raw := range h.Extensions.Queues {
		var err error
		switch strings.ToLower(k) {
		case "batchsize":
			err = json.Unmarshal(raw, &cfg.Queues.BatchSize)
			if err == nil && (cfg.Queues.BatchSize < 1 || cfg.Queues.BatchSize > 32) {
				return HostConfig{}, reason.Errorf(CodeConfigInvalid, nil, "%s: extensions.queues.batchSize %d must be 1..32", path, cfg.Queues.BatchSize)
			}
		case "newbatchthreshold":
			err = json.Unmarshal(raw, &cfg.Queues.NewBatchThreshold)
			newThresholdSet = true
		case "maxdequeuecount":
			err = json.Unmarshal(raw, &cfg.Queues.MaxDequeueCount)
			if err == nil && cfg.Queues.MaxDequeueCount < 1 {
				return HostConfig{}, reason.Errorf(CodeConfigInvalid, nil, "%s: extensions.queues.maxDequeueCount must be at least 1", path)
			}
		case "maxpollinginterval", "visibilitytimeout":
			var s string
			if err = json.Unmarshal(raw, &s); err == nil {
				var d time.Duration
				if d, err = ParseTimeSpan(s); err == nil {
					if strings.EqualFold(k, "visibilityTimeout") {
						cfg.Queues.VisibilityTimeout = d
					} else {
						cfg.Queues.MaxPollingInterval = d
					}
				}
			}
		case "messageencoding":
			err = json.Unmarshal(raw, &cfg.Queues.MessageEncoding)
			cfg.Queues.MessageEncoding = strings.ToLower(cfg.Queues.MessageEncoding)
			if err == nil && cfg.Queues.MessageEncoding != "base64" && cfg.Queues.MessageEncoding != "none" {
				return HostConfig{}, reason.Errorf(CodeConfigInvalid, nil, "%s: extensions.queues.messageEncoding %q must be base64 or none", path, cfg.Queues.MessageEncoding)
			}
		}
		if err != nil {
			return HostConfig{}, reason.Errorf(CodeConfigInvalid, err, "%s: extensions.queues.%s", path, k)
		}
	}
	if !newThresholdSet {
		cfg.Queues.NewBatchThreshold = cfg.Queues.BatchSize / 2
	}
	return cfg, nil
}

// ParseTimeSpan parses a .NET TimeSpan as host.json writes it: "hh:mm:ss",
// "d.hh:mm:ss" or with fractional seconds "hh:mm:ss.fff".
func ParseTimeSpan(s string) (time.Duration, error) {
	orig := s
	var days int64
	if i := strings.IndexByte(s, '.'); i >= 0 && i < strings.IndexByte(s, ':') {
		d, err := parseUint(s[:i])
		if err != nil {
			return 0, reason.Errorf(CodeConfigInvalid, nil, "timespan %q: bad days", orig)
		}
		days, s = d, s[i+1:]
	}
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return 0, reason.Errorf(CodeConfigInvalid, nil, "timespan %q: want hh:mm:ss", orig)
	}
	h, err1 := parseUint(parts[0])
	m, err2 := parseUint(parts[1])
	secPart, frac, _ := strings.Cut(parts[2], ".")
	sec, err3 := parseUint(secPart)
	if err1 != nil || err2 != nil || err3 != nil || h > 23 && days > 0 || m > 59 || sec > 59 {
		return 0, reason.Errorf(CodeConfigInvalid, nil, "timespan %q: want hh:mm:ss", orig)
	}
	d := time.Duration(days)*24*time.Hour + time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec)*time.Second
	if frac != "" {
		f, err := parseUint(frac)
		if err != nil || len(frac) > 7 {
			return 0, reason.Errorf(CodeConfigInvalid, nil, "timespan %q: bad fraction", orig)
		}
		for i := len(frac); i < 9; i++ {
			f *= 10
		}
		d += time.Duration(f)
	}
	return d, nil
}

func parseUint(s string) (int64, error) {
	if s == "" {
		return 0, reason.Errorf(CodeConfigInvalid, nil, "empty number")
	}
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, reason.Errorf(CodeConfigInvalid, nil, "%q is not a number", s)
		}
		n = n*10 + int64(c-'0')
		if n > 1<<40 {
			return 0, reason.Errorf(CodeConfigInvalid, nil, "%q is too large", s)
		}
	}
	return n, nil
}
