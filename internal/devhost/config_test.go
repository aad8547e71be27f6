package devhost

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

// The repo's own host.json and function.json files are the ones that run in
// Azure; the local host must read them unchanged.
func TestLoadRepoConfig(t *testing.T) {
	root := filepath.Join("..", "..")
	cfg, err := LoadHostConfig(root)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ExecutablePath != "bwv-handler" {
		t.Errorf("ExecutablePath = %q", cfg.ExecutablePath)
	}
	q := cfg.Queues
	if q.BatchSize != 4 || q.NewBatchThreshold != 2 || q.VisibilityTimeout != 10*time.Second ||
		q.MaxDequeueCount != 5 || q.MessageEncoding != "base64" || q.MaxPollingInterval != 2*time.Second {
		t.Errorf("queues = %+v", q)
	}
	if cfg.FunctionTimeout != 10*time.Minute {
		t.Errorf("FunctionTimeout = %s", cfg.FunctionTimeout)
	}
	fns, err := LoadFunctions(root)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"ClipIngest": TriggerEventGrid, "ClipVerify": TriggerQueue, "RetentionSweep": TriggerTimer, "ClipManage": TriggerHTTP, "AuditAnchor": TriggerTimer}
	if len(fns) != len(want) {
		t.Fatalf("got %d functions, want %d", len(fns), len(want))
	}
	for _, fn := range fns {
		if want[fn.Name] != fn.Trigger.Type {
			t.Errorf("%s trigger = %s, want %s", fn.Name, fn.Trigger.Type, want[fn.Name])
		}
	}
}

func TestParseHostConfigErrors(t *testing.T) {
	cases := map[string]string{
		"not json":        `{`,
		"wrong version":   `{"version":"1.0","customHandler":{"description":{"defaultExecutablePath":"x"}}}`,
		"no executable":   `{"version":"2.0"}`,
		"bad timeout":     `{"version":"2.0","functionTimeout":"ten","customHandler":{"description":{"defaultExecutablePath":"x"}}}`,
		"batch too large": `{"version":"2.0","extensions":{"queues":{"batchSize":64}},"customHandler":{"description":{"defaultExecutablePath":"x"}}}`,
		"bad encoding":    `{"version":"2.0","extensions":{"queues":{"messageEncoding":"utf8"}},"customHandler":{"description":{"defaultExecutablePath":"x"}}}`,
		"bad visibility":  `{"version":"2.0","extensions":{"queues":{"visibilityTimeout":"10s"}},"customHandler":{"description":{"defaultExecutablePath":"x"}}}`,
	}
	for name, doc := range cases {
		if _, err := parseHostConfig("host.json", []byte(doc)); reason.CodeOf(err) != CodeConfigInvalid {
			t.Errorf("%s: err = %v, want %s", name, err, CodeConfigInvalid)
		}
	}
}

func TestParseHostConfigDefaults(t *testing.T) {
	cfg, err := parseHostConfig("host.json", []byte(`{"version":"2.0","customHandler":{"description":{"defaultExecutablePath":"h"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Queues != DefaultQueueOptions() {
		t.Errorf("queues = %+v, want defaults", cfg.Queues)
	}
}

func TestParseTimeSpan(t *testing.T) {
	ok := map[string]time.Duration{
		"00:00:10":     10 * time.Second,
		"00:10:00":     10 * time.Minute,
		"01:00:00":     time.Hour,
		"1.02:00:00":   26 * time.Hour,
		"00:00:00.5":   500 * time.Millisecond,
		"00:00:01.250": 1250 * time.Millisecond,
	}
	for s, want := range ok {
		if got, err := ParseTimeSpan(s); err != nil || got != want {
			t.Errorf("ParseTimeSpan(%q) = %s, %v; want %s", s, got, err, want)
		}
	}
	for _, s := range []string{"", "10", "00:10", "00:61:00", "aa:00:00", "00:00:10s"} {
		if _, err := ParseTimeSpan(s); err == nil {
			t.Errorf("ParseTimeSpan(%q) succeeded", s)
		}
	}
}

func TestParseConnectionString(t *testing.T) {
	a, err := ParseConnectionString("DefaultEndpointsProtocol=http;AccountName=acct;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:1/acct/;QueueEndpoint=http://127.0.0.1:2/acct;")
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != "acct" || a.BlobEndpoint != "http://127.0.0.1:1/acct" || a.QueueEndpoint != "http://127.0.0.1:2/acct" {
		t.Errorf("got %+v", a)
	}
	d, err := ParseConnectionString("UseDevelopmentStorage=true")
	if err != nil || d.Name != devstoreAccount || d.QueueEndpoint != "http://127.0.0.1:10001/devstoreaccount1" {
		t.Errorf("dev storage: %+v %v", d, err)
	}
	c, err := ParseConnectionString("AccountName=x;AccountKey=eQ==")
	if err != nil || c.BlobEndpoint != "https://x.blob.core.windows.net" {
		t.Errorf("cloud defaults: %+v %v", c, err)
	}
	for _, bad := range []string{"AccountName=x", "garbage", "AccountKey=eQ=="} {
		if _, err := ParseConnectionString(bad); reason.CodeOf(err) != CodeConfigInvalid {
			t.Errorf("ParseConnectionString(%q) err = %v", bad, err)
		}
	}
}
