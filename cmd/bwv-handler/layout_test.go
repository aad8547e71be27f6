package main

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// The repository's layout is a promise: shared/ is exactly what the deployed
// handler runs on, and local tooling (the local Functions host, local-run
// commands, local services, the Terraform driver and residency gate) lives
// under internal/, imported only by cmd/. These tests fail when that drifts.

const module = "github.com/bwv-ingest/bwv-ingest/"

// goList runs `go list` with -json over the given patterns and decodes every
// package it prints.
func goList(t *testing.T, args ...string) []listedPackage {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list", "-json"}, args...)...).Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go list %v: %v\n%s", args, err, stderr)
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p listedPackage
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("decoding go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

type listedPackage struct {
	ImportPath string
	Imports    []string
	Deps       []string
	Standard   bool
}

// forbiddenForHandler reports why a dependency must not be in the handler
// binary, or "" when it may be.
func forbiddenForHandler(dep string) string {
	switch {
	case strings.HasPrefix(dep, module+"internal/"):
		return "local tooling (internal/) in the deployed handler"
	case strings.HasPrefix(dep, module+"cmd/"):
		return "another command's package in the deployed handler"
	case strings.HasPrefix(dep, module+"e2e"):
		return "end-to-end test code in the deployed handler"
	case strings.HasPrefix(dep, module) && strings.HasSuffix(dep, "test"):
		return "test support (raw database access, service launchers) in the deployed handler"
	case strings.HasPrefix(dep, "github.com/hashicorp/"):
		return "Terraform tooling in the deployed handler"
	case strings.HasPrefix(dep, "github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"):
		return "the queue client (only the local host drives queues; the handler uses output bindings)"
	}
	return ""
}

func TestHandlerDependsOnNoLocalTooling(t *testing.T) {
	pkgs := goList(t, "-deps", ".")
	var n int
	for _, p := range pkgs {
		if p.ImportPath == module+"cmd/bwv-handler" {
			continue // the handler itself
		}
		if why := forbiddenForHandler(p.ImportPath); why != "" {
			t.Errorf("%s: %s", p.ImportPath, why)
		}
		if strings.HasPrefix(p.ImportPath, module) {
			n++
		}
	}
	if n < 5 {
		t.Fatalf("go list -deps found only %d project packages: the check is not looking at the handler", n)
	}
}

func TestSharedImportsNoLocalTooling(t *testing.T) {
	pkgs := goList(t, "../../shared/...")
	if len(pkgs) < 8 {
		t.Fatalf("go list ../../shared/... found %d packages; expected the domain and adapters", len(pkgs))
	}
	for _, p := range pkgs {
		if !strings.HasPrefix(p.ImportPath, module+"shared/") {
			t.Errorf("unexpected package %s under shared/", p.ImportPath)
		}
		for _, imp := range p.Imports {
			if why := forbiddenForHandler(imp); why != "" {
				t.Errorf("%s imports %s: %s", p.ImportPath, imp, why)
			}
		}
	}
}

// The check itself must be able to fail: a package that is local tooling is
// recognised as such.
func TestForbiddenForHandlerRecognisesTooling(t *testing.T) {
	for _, dep := range []string{
		module + "internal/devhost", module + "internal/localrun", module + "internal/localsvc",
		module + "internal/tfdriver", module + "internal/residencygate", "github.com/hashicorp/terraform-exec/tfexec",
		module + "shared/cosmosdb/cosmosdbtest",
	} {
		if forbiddenForHandler(dep) == "" {
			t.Errorf("%s not recognised as local tooling", dep)
		}
	}
	for _, dep := range []string{module + "shared/clip", module + "functions", "github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"} {
		if why := forbiddenForHandler(dep); why != "" {
			t.Errorf("%s wrongly refused: %s", dep, why)
		}
	}
}
