package residencygate_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// scripts/toolchain.sh with a binary and a provider mirror given: no build,
// the choice is printed and written to the cache's env file; a mirror without
// azurerm is refused with a message.
func TestToolchainScriptUsesGivenBinaryAndMirror(t *testing.T) {
	bin, _ := toolchain(t)
	cache := t.TempDir()
	mirror := t.TempDir()
	provider := filepath.Join(mirror, "registry.terraform.io", "hashicorp", "azurerm", "5.2.0", "linux_amd64", "terraform-provider-azurerm_v5.2.0")
	if err := os.MkdirAll(filepath.Dir(provider), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(provider, []byte("stand-in"), 0o755); err != nil {
		t.Fatal(err)
	}
	run := func(pluginDir string) (string, string, error) {
		cmd := exec.Command("../../scripts/toolchain.sh")
		cmd.Env = append(os.Environ(), "BWV_CACHE_DIR="+cache, "BWV_TF_BIN="+bin, "BWV_TF_PLUGIN_DIR="+pluginDir)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		return string(out), stderr.String(), err
	}

	out, stderr, err := run(mirror)
	if err != nil {
		t.Fatalf("toolchain.sh: %v\n%s", err, stderr)
	}
	for _, want := range []string{"BWV_TF_BIN=" + bin, "BWV_TF_PLUGIN_DIR=" + mirror, "BWV_TF_VERSION="} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	env, err := os.ReadFile(filepath.Join(cache, "toolchain.env"))
	if err != nil || string(env) != out {
		t.Errorf("toolchain.env = %q (%v), want what was printed", env, err)
	}
	if entries, _ := os.ReadDir(cache); len(entries) > 3 { // toolchain.env, the lock, nothing built
		t.Errorf("cache holds more than the env file and lock: %v", entries)
	}

	_, stderr, err = run(t.TempDir())
	if err == nil || !strings.Contains(stderr, "holds no hashicorp/azurerm provider") {
		t.Errorf("empty mirror accepted: err %v, stderr %q", err, stderr)
	}
}
