package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const infraTestdata = "../../internal/residencygate/testdata"

func runBwv(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// The gate refuses plans with non-UK resources, replicas and sinks, prints a
// table of offenders and exits 3; a UK-only plan passes.
func TestInfraGateOnPlanJSONFixtures(t *testing.T) {
	tests := []struct {
		fixture   string
		wantCode  int
		offenders []string // "address attribute reason" rows the table must show
	}{
		{"plan-uk-only.json", exitOK, nil},
		{"plan-non-uk.json", exitRefused, []string{
			"azurerm_cosmosdb_account.records geo_location.1.location westeurope region-not-allowed",
			"azurerm_storage_account.clips location northeurope region-not-allowed",
			"azurerm_storage_account.clips secondary_location westeurope region-not-allowed",
			"azurerm_storage_account.clips account_replication_type westeurope replica-not-allowed",
			"azurerm_log_analytics_workspace.eu location westeurope region-not-allowed",
			"azurerm_monitor_diagnostic_setting.cosmos log_analytics_workspace_id westeurope",
			"azurerm_monitor_diagnostic_setting.elsewhere log_analytics_workspace_id",
			"azurerm_eventgrid_system_topic_event_subscription.hook webhook_endpoint.0.url",
			"azurerm_storage_account.late location (known after apply) region-unknown",
		}},
		{"plan-cosmos-guard.json", exitRefused, []string{
			"azurerm_cosmosdb_sql_container.audit default_ttl 1 cosmos-ttl",
			"azurerm_cosmosdb_sql_container.clips indexing_policy changed cosmos-index-change",
			"azurerm_storage_account.this (resource) delete data-store-destroyed",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			code, out, errOut := runBwv(t, "infra", "gate", "-plan-json", filepath.Join(infraTestdata, tt.fixture))
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, out, errOut)
			}
			rows := tableRows(out)
			for _, want := range tt.offenders {
				if !hasRow(rows, strings.Fields(want)) {
					t.Errorf("offender table lacks %q:\n%s", want, out)
				}
			}
			if tt.wantCode == exitOK && !strings.Contains(out, "residency gate: passed") {
				t.Errorf("no pass verdict:\n%s", out)
			}
			if tt.wantCode == exitRefused && len(rows) != len(tt.offenders) {
				t.Errorf("table has %d rows, want %d:\n%s", len(rows), len(tt.offenders), out)
			}
		})
	}
}

func TestInfraGateUsage(t *testing.T) {
	if code, _, _ := runBwv(t, "infra", "gate"); code != exitUsage {
		t.Errorf("gate without a plan: exit %d, want %d", code, exitUsage)
	}
	if code, _, _ := runBwv(t, "infra", "apply"); code != exitUsage {
		t.Errorf("apply without -plan: exit %d, want %d", code, exitUsage)
	}
	if code, _, _ := runBwv(t, "infra", "nope"); code != exitUsage {
		t.Errorf("unknown subcommand: exit %d, want %d", code, exitUsage)
	}
	code, _, errOut := runBwv(t, "infra", "gate", "-plan-json", filepath.Join(infraTestdata, "local", "main.tf"))
	if code != exitError || !strings.Contains(errOut, "PLAN_UNREADABLE") {
		t.Errorf("HCL given as plan JSON: exit %d, stderr %q", code, errOut)
	}
}

func TestInfraEvidenceFromStateJSON(t *testing.T) {
	dir := t.TempDir()
	js := filepath.Join(dir, "evidence.json")
	code, _, errOut := runBwv(t, "infra", "evidence", "-state-json", filepath.Join(infraTestdata, "state-uk.json"), "-format", "json", "-o", js)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var ev struct {
		Source    string
		Passed    bool
		Resources []struct {
			Address string
			Regions []struct{ Region string }
		}
	}
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Source != "state" || !ev.Passed || len(ev.Resources) != 8 {
		t.Errorf("evidence = source %q passed %v, %d resources; want state, true, 8", ev.Source, ev.Passed, len(ev.Resources))
	}
}

// tableRows returns the whitespace-split rows of the offender table.
func tableRows(out string) [][]string {
	var rows [][]string
	in := false
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "RESOURCE") {
			in = true
			continue
		}
		if in && strings.TrimSpace(line) == "" {
			break
		}
		if in {
			rows = append(rows, strings.Fields(line))
		}
	}
	return rows
}

func hasRow(rows [][]string, want []string) bool {
	for _, r := range rows {
		if len(r) < len(want) {
			continue
		}
		// the wanted fields appear in order in the row
		i := 0
		for _, f := range r {
			if i < len(want) && f == want[i] {
				i++
			}
		}
		if i == len(want) {
			return true
		}
	}
	return false
}

// tfBinary finds tofu/terraform for the integration tests: BWV_TF_BIN, the
// toolchain's env file, then PATH. Missing: fail on CI, skip elsewhere.
func tfBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("BWV_TF_BIN"); p != "" {
		return p
	}
	cache := os.Getenv("BWV_CACHE_DIR")
	if cache == "" {
		if home, err := os.UserHomeDir(); err == nil {
			cache = filepath.Join(home, ".cache", "bwv-ingest")
		}
	}
	if b, err := os.ReadFile(filepath.Join(cache, "toolchain.env")); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "BWV_TF_BIN="); ok {
				if _, err := os.Stat(v); err == nil {
					return v
				}
			}
		}
	}
	for _, name := range []string{"tofu", "terraform"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no tofu/terraform binary: run scripts/toolchain.sh (or set BWV_TF_BIN)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// copyFixture copies the provider-free fixture into a fresh directory.
func copyFixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(infraTestdata, "local", "main.tf")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

type stateView struct {
	Values struct {
		RootModule struct {
			Resources []struct {
				Address string
				Values  struct {
					Input map[string]any `json:"input"`
				} `json:"values"`
			} `json:"resources"`
		} `json:"root_module"`
	} `json:"values"`
}

func readState(t *testing.T, bin, dir string) stateView {
	t.Helper()
	cmd := exec.Command(bin, "show", "-json")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("show -json: %v", err)
	}
	var s stateView
	if err := json.Unmarshal(out, &s); err != nil {
		t.Fatalf("state JSON: %v\n%s", err, out)
	}
	return s
}

// End to end against the real binary: plan to a file, gate, apply exactly
// that file; a non-UK plan is refused and never applied; a stale plan is not
// applied.
func TestInfraPlanGateApplyWithRealBinary(t *testing.T) {
	bin := tfBinary(t)
	t.Setenv("BWV_TF_BIN", bin)
	t.Setenv("TF_IN_AUTOMATION", "1")
	dir := copyFixture(t)
	evDir := t.TempDir()
	common := []string{"-dir", dir, "-no-backend"}

	// 1. UK plan passes and applies; evidence from state after apply.
	code, out, errOut := runBwv(t, append([]string{"infra", "plan", "-out", "uk.tfplan"}, common...)...)
	if code != exitOK || !strings.Contains(out, "residency gate: passed") {
		t.Fatalf("UK plan: exit %d\n%s\n%s", code, out, errOut)
	}
	md, js := filepath.Join(evDir, "ev.md"), filepath.Join(evDir, "ev.json")
	code, out, errOut = runBwv(t, append([]string{"infra", "apply", "-plan", "uk.tfplan", "-evidence-md", md, "-evidence-json", js}, common...)...)
	if code != exitOK {
		t.Fatalf("apply UK plan: exit %d\n%s\n%s", code, out, errOut)
	}
	if b, _ := os.ReadFile(md); !bytes.Contains(b, []byte("terraform_data.store")) || !bytes.Contains(b, []byte("PASSED")) {
		t.Errorf("Markdown evidence after apply:\n%s", b)
	}
	if b, _ := os.ReadFile(js); !bytes.Contains(b, []byte(`"source": "state"`)) || !bytes.Contains(b, []byte(`"region": "ukwest"`)) {
		t.Errorf("JSON evidence after apply:\n%s", b)
	}

	// 2. A non-UK plan is refused with a table, and apply of that plan refuses too.
	code, out, _ = runBwv(t, append([]string{"infra", "plan", "-out", "eu.tfplan", "-var", "location=westeurope", "-var", "replica_location=northeurope"}, common...)...)
	if code != exitRefused {
		t.Fatalf("non-UK plan: exit %d, want %d\n%s", code, exitRefused, out)
	}
	rows := tableRows(out)
	for _, want := range [][]string{
		{"terraform_data.store", "input.location", "westeurope", "region-not-allowed"},
		{"terraform_data.replicas", "input.geo_location.0.location", "westeurope", "region-not-allowed"},
		{"terraform_data.replicas", "input.geo_location.1.location", "northeurope", "region-not-allowed"},
	} {
		if !hasRow(rows, want) {
			t.Errorf("offender table lacks %v:\n%s", want, out)
		}
	}
	code, out, _ = runBwv(t, append([]string{"infra", "apply", "-plan", "eu.tfplan"}, common...)...)
	if code != exitRefused || !strings.Contains(out, "nothing applied") {
		t.Fatalf("apply of refused plan: exit %d\n%s", code, out)
	}
	if loc := storeLocation(t, bin, dir); loc != "uksouth" {
		t.Fatalf("refused plan changed state: store location %q", loc)
	}

	// 3. A region only known after apply is refused (conservative gate).
	code, out, _ = runBwv(t, append([]string{"infra", "plan", "-out", "late.tfplan", "-var", "late_region=true"}, common...)...)
	if code != exitRefused || !hasRow(tableRows(out), []string{"terraform_data.late[0]", "input.location", "region-unknown"}) {
		t.Fatalf("unknown region: exit %d\n%s", code, out)
	}

	// 4. Apply applies exactly the saved plan: its variables, not today's; a
	// plan made stale by a later apply is not applied.
	code, out, errOut = runBwv(t, append([]string{"infra", "plan", "-out", "west.tfplan", "-var", "location=ukwest"}, common...)...)
	if code != exitOK {
		t.Fatalf("ukwest plan: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = runBwv(t, append([]string{"infra", "plan", "-out", "south.tfplan", "-var", "location=uksouth", "-var", "replica_location=uksouth"}, common...)...)
	if code != exitOK {
		t.Fatalf("second plan: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, errOut = runBwv(t, append([]string{"infra", "apply", "-plan", "west.tfplan"}, common...)...); code != exitOK {
		t.Fatalf("apply west.tfplan: exit %d\n%s\n%s", code, out, errOut)
	}
	if loc := storeLocation(t, bin, dir); loc != "ukwest" {
		t.Fatalf("after applying west.tfplan store location is %q, want ukwest", loc)
	}
	code, _, errOut = runBwv(t, append([]string{"infra", "apply", "-plan", "south.tfplan"}, common...)...)
	if code != exitError || !strings.Contains(strings.ToLower(errOut), "stale") {
		t.Fatalf("stale plan: exit %d, want %d with a stale-plan error\n%s", code, exitError, errOut)
	}
	if loc := storeLocation(t, bin, dir); loc != "ukwest" {
		t.Fatalf("stale plan changed state: store location %q", loc)
	}
}

func storeLocation(t *testing.T, bin, dir string) string {
	t.Helper()
	for _, r := range readState(t, bin, dir).Values.RootModule.Resources {
		if r.Address == "terraform_data.store" {
			s, _ := r.Values.Input["location"].(string)
			return s
		}
	}
	return ""
}

func TestInfraFmtAndValidateWithRealBinary(t *testing.T) {
	bin := tfBinary(t)
	t.Setenv("BWV_TF_BIN", bin)
	dir := copyFixture(t)
	if code, out, errOut := runBwv(t, "infra", "fmt", "-dir", dir); code != exitOK {
		t.Fatalf("fmt: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, errOut := runBwv(t, "infra", "validate", "-dir", dir); code != exitOK {
		t.Fatalf("validate: exit %d\n%s\n%s", code, out, errOut)
	}
	// an unformatted file is reported by name
	if err := os.WriteFile(filepath.Join(dir, "ugly.tf"), []byte("locals {\nx=1\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runBwv(t, "infra", "fmt", "-dir", dir)
	if code != exitError || !strings.Contains(errOut, "ugly.tf") || !strings.Contains(errOut, "FORMAT_CHECK_FAILED") {
		t.Errorf("unformatted file: exit %d, stderr %q", code, errOut)
	}
	// an invalid configuration fails validate with the file and line
	if err := os.WriteFile(filepath.Join(dir, "ugly.tf"), []byte("output \"x\" {\n  value = var.missing\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runBwv(t, "infra", "validate", "-dir", dir)
	if code != exitError || !strings.Contains(errOut, "CONFIG_INVALID") || !strings.Contains(errOut, "ugly.tf:2") {
		t.Errorf("invalid config: exit %d, stderr %q", code, errOut)
	}
}

// Policy flags can only narrow the gate: a region outside uksouth/ukwest or a
// trusted sink broader than a resource group (or a URL prefix) is a usage
// error, not a wider gate.
func TestInfraPolicyFlagsOnlyNarrow(t *testing.T) {
	plan := filepath.Join(infraTestdata, "plan-uk-only.json")
	for _, tt := range []struct {
		flags []string
		want  int
	}{
		{[]string{"-allowed-regions", "uksouth,ukwest,westeurope"}, exitUsage},
		{[]string{"-allowed-regions", "westeurope"}, exitUsage},
		{[]string{"-allowed-regions", " , "}, exitUsage},
		{[]string{"-trusted-sink", "https:"}, exitUsage},
		{[]string{"-trusted-sink", "/subscriptions/11111111-1111-1111-1111-111111111111"}, exitUsage},
		{[]string{"-trusted-sink", "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-central"}, exitOK},
		{[]string{"-allowed-regions", "UK South,uk-west"}, exitOK},
		{[]string{"-allowed-regions", "uksouth"}, exitRefused}, // narrowing: the ukwest replicas are refused
	} {
		args := append([]string{"infra", "gate", "-plan-json", plan}, tt.flags...)
		code, out, errOut := runBwv(t, args...)
		if code != tt.want {
			t.Errorf("%v: exit %d, want %d\n%s%s", tt.flags, code, tt.want, out, errOut)
		}
		if tt.want == exitUsage && !strings.Contains(errOut, "POLICY_INVALID") && !strings.Contains(errOut, "names no region") {
			t.Errorf("%v: usage error does not say why: %q", tt.flags, errOut)
		}
	}
}

// apply writes post-apply evidence from state beside the plan without being
// asked, and exits 3 when state shows a region the plan could not (a value
// known only after apply).
func TestInfraApplyReportsStateEvidenceAndRefusesNonUKState(t *testing.T) {
	bin := tfBinary(t)
	t.Setenv("BWV_TF_BIN", bin)
	t.Setenv("TF_IN_AUTOMATION", "1")
	dir := copyFixture(t)
	common := []string{"-dir", dir, "-no-backend"}

	code, out, errOut := runBwv(t, append([]string{"infra", "plan", "-out", "uk.tfplan"}, common...)...)
	if code != exitOK {
		t.Fatalf("UK plan: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = runBwv(t, append([]string{"infra", "apply", "-plan", "uk.tfplan"}, common...)...)
	if code != exitOK {
		t.Fatalf("apply UK plan: exit %d\n%s\n%s", code, out, errOut)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "uk.tfplan.applied.md")); err != nil || !bytes.Contains(b, []byte("PASSED")) {
		t.Errorf("default Markdown evidence beside the plan: %v\n%s", err, b)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "uk.tfplan.applied.json")); err != nil || !bytes.Contains(b, []byte(`"source": "state"`)) {
		t.Errorf("default JSON evidence beside the plan: %v\n%s", err, b)
	}

	// The whole input is unknown at plan time: the gate cannot see the region
	// and passes the plan; the state after apply shows westeurope.
	code, out, errOut = runBwv(t, append([]string{"infra", "plan", "-out", "opaque.tfplan", "-var", "opaque_location=westeurope"}, common...)...)
	if code != exitOK {
		t.Fatalf("opaque plan: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = runBwv(t, append([]string{"infra", "apply", "-plan", "opaque.tfplan"}, common...)...)
	if code != exitRefused || !hasRow(tableRows(out), []string{"terraform_data.opaque[0]", "input.location", "westeurope", "region-not-allowed"}) {
		t.Fatalf("apply leaving westeurope in state: exit %d, want %d with the offender\n%s", code, exitRefused, out)
	}
	var ev struct {
		Source string
		Passed bool
	}
	b, err := os.ReadFile(filepath.Join(dir, "opaque.tfplan.applied.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &ev); err != nil || ev.Source != "state" || ev.Passed {
		t.Errorf("evidence after apply: %+v (%v)", ev, err)
	}
}
