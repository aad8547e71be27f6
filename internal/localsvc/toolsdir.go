package localsvc

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
)

// Paths inside the tools directory that must exist for the services to start.
const (
	azuriteMain    = "node_modules/azurite/dist/src/azurite.js"
	cosmosServer   = "node_modules/@vercel/cosmosdb-server/lib/index.js"
	cosmosLauncher = "cosmos-launcher.js"
)

// ToolsDir finds <repo>/tools (the directory holding package.json, node_modules
// and cosmos-launcher.js) by walking up from the working directory to the
// directory containing go.mod. It fails, wrapping ErrToolsMissing, when
// node_modules has not been installed.
func ToolsDir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("localsvc: working directory: %w", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			tools := filepath.Join(dir, "tools")
			return tools, checkTools(tools)
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("localsvc: no go.mod above %s: %w", wd, ErrToolsMissing)
		}
	}
}

// checkTools reports, wrapping ErrToolsMissing, what is missing under tools.
func checkTools(tools string) error {
	for _, rel := range []string{azuriteMain, cosmosServer, cosmosLauncher} {
		p := filepath.Join(tools, rel)
		if _, err := os.Stat(p); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("localsvc: %s not found; run scripts/install-npm.sh: %w", p, ErrToolsMissing)
			}
			return fmt.Errorf("localsvc: %w", err)
		}
	}
	return nil
}

// nodeBinary finds node on PATH.
func nodeBinary() (string, error) {
	p, err := exec.LookPath("node")
	if err != nil {
		return "", fmt.Errorf("localsvc: node (>= 20) not on PATH: %w", ErrToolsMissing)
	}
	return p, nil
}

// resolveTools returns dir if set (checked), else ToolsDir().
func resolveTools(dir string) (string, error) {
	if dir == "" {
		return ToolsDir()
	}
	return dir, checkTools(dir)
}
