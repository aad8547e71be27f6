package config

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sample reads local.settings.sample.json: the sample must always start.
func sample(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "local.settings.sample.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Values map[string]string }
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	f.Values["FUNCTIONS_CUSTOMHANDLER_PORT"] = "7777"
	return f.Values
}

func lookup(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestSampleSettingsAreValid(t *testing.T) {
	c, err := FromEnv(lookup(sample(t)))
	if err != nil {
		t.Fatal(err)
	}
	if c.StorageAccount != "devstoreaccount1" || c.StorageRegion != "uksouth" || !c.CosmosBootstrap || c.VerifyRangeBytes != 16<<20 {
		t.Fatalf("%+v", c)
	}
}

func TestSampleListsEverySettingTheCodeReads(t *testing.T) {
	values := sample(t)
	src, err := os.ReadFile("config.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(src), "\n") {
		i := strings.Index(line, `("BWV_`)
		if i < 0 {
			continue
		}
		name := strings.SplitN(line[i+2:], `"`, 2)[0]
		if _, ok := values[name]; !ok {
			t.Errorf("the code reads %s but local.settings.sample.json does not list it", name)
		}
	}
}

func TestBadSettingsAreNamed(t *testing.T) {
	tests := []struct {
		setting, value string
	}{
		{"FUNCTIONS_CUSTOMHANDLER_PORT", ""},
		{"FUNCTIONS_CUSTOMHANDLER_PORT", "http"},
		{"BWV_STORAGE_REGION", "westeurope"},
		{"BWV_ALLOWED_REGIONS", "uksouth,northeurope"},
		{"BWV_ALLOWED_REGIONS", "uksouth,uknorth"}, // starts with "uk" but is no Azure UK region
		{"BWV_BLOB_ENDPOINT", "http://example.com/acct"},
		{"BWV_BLOB_ENDPOINT", "http://127.evil.example:10000/devstoreaccount1"}, // a name, not a loopback address
		{"BWV_COSMOS_ENDPOINT", "http://localhost.evil.example:8081/"},
		{"BWV_COSMOS_ENDPOINT", "not a url"},
		{"BWV_MAX_CLIP_DURATION", "forever"},
		{"BWV_VERIFY_PARALLELISM", "0"},
		{"BWV_COSMOS_BOOTSTRAP", "maybe"},
		{"BWV_QUARANTINE_CONTAINER", "uploads"},
		{"BWV_UPLOAD_CONTAINER", "Up_Loads"},
		{"BWV_LOG_LEVEL", "loud"},
		{"BWV_STORAGE_ACCOUNT", ""},
	}
	for _, tt := range tests {
		t.Run(tt.setting+"="+tt.value, func(t *testing.T) {
			env := sample(t)
			env[tt.setting] = tt.value
			_, err := FromEnv(lookup(env))
			var se *SettingError
			if !errors.As(err, &se) {
				t.Fatalf("want a SettingError, got %v", err)
			}
			if !strings.Contains(err.Error(), tt.setting) {
				t.Fatalf("error does not name %s: %v", tt.setting, err)
			}
		})
	}
}

// Plain http is for the local emulators only: loopback literals and
// localhost pass, and nothing that merely looks like them.
func TestPlainHTTPOnlyToLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "127.0.0.2": true, "localhost": true, "::1": true,
		"127.evil.example": false, "localhost.evil.example": false, "10.1.2.3": false, "example.com": false,
	} {
		if got := isLoopback(host); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

// The three ClipManage roles: defaults when unset, the setting's value
// when set, and a refusal naming the setting when one is blank or two are
// the same (compared without case, as Entra compares role values).
func TestRoleSettings(t *testing.T) {
	env := sample(t)
	for _, k := range []string{"BWV_ROLE_READ", "BWV_ROLE_PROTECT", "BWV_ROLE_RELEASE"} {
		delete(env, k)
	}
	c, err := FromEnv(lookup(env))
	if err != nil || c.Roles != DefaultRoles() {
		t.Fatalf("unset: %+v %v", c.Roles, err)
	}
	env["BWV_ROLE_RELEASE"] = "Force.Evidence.Release"
	if c, err := FromEnv(lookup(env)); err != nil || c.Roles.Release != "Force.Evidence.Release" || c.Roles.Read != DefaultRoleRead {
		t.Fatalf("set: %+v %v", c.Roles, err)
	}
	for _, tt := range []struct{ setting, value, named string }{
		{"BWV_ROLE_READ", "", "BWV_ROLE_READ"},
		{"BWV_ROLE_PROTECT", "  ", "BWV_ROLE_PROTECT"},
		{"BWV_ROLE_RELEASE", "", "BWV_ROLE_RELEASE"},
		{"BWV_ROLE_RELEASE", "has space", "BWV_ROLE_RELEASE"},
		{"BWV_ROLE_PROTECT", DefaultRoleRead, "BWV_ROLE_PROTECT"},
		{"BWV_ROLE_RELEASE", strings.ToLower(DefaultRoleProtect), "BWV_ROLE_RELEASE"},
		{"BWV_ROLE_RELEASE", DefaultRoleRead, "BWV_ROLE_RELEASE"},
	} {
		env := sample(t)
		env[tt.setting] = tt.value
		_, err := FromEnv(lookup(env))
		var se *SettingError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), tt.named) {
			t.Errorf("%s=%q: want an error naming %s, got %v", tt.setting, tt.value, tt.named, err)
		}
	}
}

// Storage-level protection cannot be switched off against a real account:
// BWV_IMMUTABILITY=off is accepted only with a loopback blob endpoint, and
// anything but enforce/off is refused. The horizon is bounded.
func TestImmutabilityOffOnlyAgainstLoopbackStorage(t *testing.T) {
	env := sample(t)
	c, err := FromEnv(lookup(env))
	if err != nil || c.ImmutabilityOff || c.HoldHorizon != 90*24*time.Hour {
		t.Fatalf("defaults: off=%v horizon=%s err=%v; want enforce, 90 days", c.ImmutabilityOff, c.HoldHorizon, err)
	}
	env["BWV_IMMUTABILITY"] = "off"
	if c, err := FromEnv(lookup(env)); err != nil || !c.ImmutabilityOff {
		t.Fatalf("off against loopback Azurite: %v %v", c.ImmutabilityOff, err)
	}
	// A loopback tunnel to a real account: loopback, but not the emulator's account.
	tunnel := sample(t)
	tunnel["BWV_IMMUTABILITY"], tunnel["BWV_STORAGE_ACCOUNT"] = "off", "bwvukprod"
	if _, err := FromEnv(lookup(tunnel)); err == nil || !strings.Contains(err.Error(), "BWV_IMMUTABILITY") {
		t.Fatalf("off through a loopback tunnel to account bwvukprod was accepted: %v", err)
	}
	env["BWV_BLOB_ENDPOINT"] = "https://bwvuk.blob.core.windows.net/"
	if _, err := FromEnv(lookup(env)); err == nil || !strings.Contains(err.Error(), "BWV_IMMUTABILITY") {
		t.Fatalf("off against an Azure account was accepted: %v", err)
	}
	for setting, value := range map[string]string{"BWV_IMMUTABILITY": "skip", "BWV_HOLD_HORIZON_DAYS": "1"} {
		env := sample(t)
		env[setting] = value
		if _, err := FromEnv(lookup(env)); err == nil || !strings.Contains(err.Error(), setting) {
			t.Errorf("%s=%s accepted: %v", setting, value, err)
		}
	}
}
