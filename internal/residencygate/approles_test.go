package residencygate_test

// The Entra app-role manifest the identity team imports
// (infra/entra/app-roles.json) and the role names Terraform gives ClipManage
// (var.clip_manage_roles → BWV_ROLE_*) must agree: a role a user holds but
// the app does not check grants nothing, and a role the app checks that no
// registration defines can never be held.

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

const appRolesManifest = "../../infra/entra/app-roles.json"

// appRole is one entry of the application manifest's appRoles array
// (Microsoft Graph appRole), exactly the fields the file may hold.
type appRole struct {
	AllowedMemberTypes []string `json:"allowedMemberTypes"`
	Description        string   `json:"description"`
	DisplayName        string   `json:"displayName"`
	ID                 string   `json:"id"`
	IsEnabled          *bool    `json:"isEnabled"`
	Value              string   `json:"value"`
}

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// Entra app role values: no spaces, not starting with ".", at most 120.
var roleValueRE = regexp.MustCompile(`^[!-~]{1,120}$`)

// the Terraform role keys and the app settings that carry them
var roleSettings = map[string]string{
	"read":    "BWV_ROLE_READ",
	"protect": "BWV_ROLE_PROTECT",
	"release": "BWV_ROLE_RELEASE",
}

func loadAppRoles(t *testing.T, path string) []appRole {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return parseAppRoles(t, b)
}

func parseAppRoles(t *testing.T, b []byte) []appRole {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var roles []appRole
	if err := dec.Decode(&roles); err != nil {
		t.Fatalf("app-roles.json is not a JSON array of app roles: %v", err)
	}
	if dec.More() {
		t.Fatal("app-roles.json: content after the array")
	}
	return roles
}

// checkAppRoles returns every problem with the manifest against the role
// values Terraform uses (key → value).
func checkAppRoles(roles []appRole, tfRoles map[string]string) []string {
	var problems []string
	ids, values := map[string]bool{}, map[string]*appRole{}
	for i := range roles {
		r := &roles[i]
		id := strings.ToLower(r.ID)
		switch {
		case !guidRE.MatchString(r.ID):
			problems = append(problems, "role "+r.Value+": id "+r.ID+" is not a GUID")
		case strings.Trim(id, "0-") == "":
			problems = append(problems, "role "+r.Value+": id is the all-zero GUID")
		case ids[id]:
			problems = append(problems, "role "+r.Value+": id "+r.ID+" is used twice")
		}
		ids[id] = true
		v := strings.ToLower(r.Value)
		switch {
		case !roleValueRE.MatchString(r.Value) || strings.HasPrefix(r.Value, "."):
			problems = append(problems, "role value "+r.Value+" is empty, too long, has spaces or starts with \".\"")
		case values[v] != nil:
			problems = append(problems, "role value "+r.Value+" is used twice (compared without case)")
		}
		values[v] = r
		if r.IsEnabled == nil || !*r.IsEnabled {
			problems = append(problems, "role "+r.Value+": isEnabled must be true")
		}
		if strings.TrimSpace(r.DisplayName) == "" || strings.TrimSpace(r.Description) == "" {
			problems = append(problems, "role "+r.Value+": displayName and description are required")
		}
		if len(r.AllowedMemberTypes) == 0 {
			problems = append(problems, "role "+r.Value+": allowedMemberTypes is empty")
		}
		for _, m := range r.AllowedMemberTypes {
			if m != "User" && m != "Application" {
				problems = append(problems, "role "+r.Value+": allowedMemberTypes "+m+" is neither User nor Application")
			}
		}
	}
	matched := map[string]bool{}
	for key, want := range tfRoles {
		r := values[strings.ToLower(want)]
		if r == nil || r.Value != want {
			problems = append(problems, "Terraform role "+key+" = "+want+" is not the value of any role in the manifest")
			continue
		}
		matched[strings.ToLower(want)] = true
		// Changes to evidence are made by a named person: never by an
		// application's own identity.
		if key != "read" && (len(r.AllowedMemberTypes) != 1 || r.AllowedMemberTypes[0] != "User") {
			problems = append(problems, "role "+want+" changes evidence: allowedMemberTypes must be exactly [\"User\"]")
		}
	}
	for v, r := range values {
		if !matched[v] {
			problems = append(problems, "manifest role "+r.Value+" is none of the Terraform roles (read, protect, release)")
		}
	}
	return problems
}

// terraformRoleDefaults reads var.clip_manage_roles's default from the module.
func terraformRoleDefaults(t *testing.T, m *module) map[string]string {
	t.Helper()
	roles, ok := m.ctx.Variables["var"].AsValueMap()["clip_manage_roles"]
	if !ok || !roles.Type().IsObjectType() {
		t.Fatal("variable clip_manage_roles with an object default not found in infra/terraform")
	}
	out := map[string]string{}
	for key := range roleSettings {
		if !roles.Type().HasAttribute(key) {
			t.Fatalf("var.clip_manage_roles has no %q", key)
		}
		v := roles.GetAttr(key)
		if v.Type() != cty.String {
			t.Fatalf("var.clip_manage_roles.%s default is not a string", key)
		}
		out[key] = v.AsString()
	}
	if n := len(roles.Type().AttributeTypes()); n != len(roleSettings) {
		t.Errorf("var.clip_manage_roles has %d roles, want exactly read, protect, release", n)
	}
	return out
}

func TestAppRoleManifestMatchesTerraformRoles(t *testing.T) {
	m := loadModule(t, moduleDir)
	tfRoles := terraformRoleDefaults(t, m)
	roles := loadAppRoles(t, appRolesManifest)
	if len(roles) != 3 {
		t.Errorf("the manifest has %d roles, want 3 (read, protect, release)", len(roles))
	}
	for _, p := range checkAppRoles(roles, tfRoles) {
		t.Error(p)
	}
}

// Each BWV_ROLE_* app setting is exactly var.clip_manage_roles.<key>, so the
// role ClipManage checks is the one the manifest defines.
func TestRoleAppSettingsComeFromTheRoleVariable(t *testing.T) {
	m := loadModule(t, moduleDir)
	for _, b := range m.blocks("locals") {
		a, ok := b.Body.Attributes["app_settings"]
		if !ok {
			continue
		}
		obj, ok := a.Expr.(*hclsyntax.ObjectConsExpr)
		if !ok {
			t.Fatal("local.app_settings must be an object literal")
		}
		got := map[string]string{}
		for _, item := range obj.Items {
			key, _ := item.KeyExpr.Value(nil)
			if vars := item.ValueExpr.Variables(); len(vars) == 1 {
				got[key.AsString()] = traversalString(vars[0])
			}
		}
		for key, setting := range roleSettings {
			if want := "var.clip_manage_roles." + key; got[setting] != want {
				t.Errorf("app setting %s = %q, want %s", setting, got[setting], want)
			}
		}
		return
	}
	t.Fatal("no local.app_settings")
}

// The local sample carries the same defaults (what ClipManage will read when
// the settings are absent).
func TestSampleSettingsCarryTheRoleDefaults(t *testing.T) {
	tfRoles := terraformRoleDefaults(t, loadModule(t, moduleDir))
	b, err := os.ReadFile(filepath.Join("..", "..", "local.settings.sample.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Values map[string]string }
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	for key, setting := range roleSettings {
		if got := f.Values[setting]; got != tfRoles[key] {
			t.Errorf("local.settings.sample.json %s = %q, want %q (var.clip_manage_roles.%s)", setting, got, tfRoles[key], key)
		}
	}
}

// The checks refuse what they are there to refuse.
func TestAppRoleChecksRefuseBadManifests(t *testing.T) {
	tfRoles := map[string]string{"read": "R", "protect": "P", "release": "X"}
	good := func() []appRole {
		yes := true
		return []appRole{
			{[]string{"User"}, "d", "n", "8851ac8c-6640-4d17-a9cf-22af789042dd", &yes, "R"},
			{[]string{"User"}, "d", "n", "f86213b9-8583-4ae9-9dd6-aa37a01a57c0", &yes, "P"},
			{[]string{"User"}, "d", "n", "8b110852-7171-4971-8b33-bd1ed5f0b1cd", &yes, "X"},
		}
	}
	if p := checkAppRoles(good(), tfRoles); len(p) != 0 {
		t.Fatalf("a good manifest is refused: %v", p)
	}
	no := false
	tests := map[string]func(r []appRole) []appRole{
		"duplicate id":       func(r []appRole) []appRole { r[1].ID = strings.ToUpper(r[0].ID); return r },
		"id not a GUID":      func(r []appRole) []appRole { r[0].ID = "read-role"; return r },
		"all-zero id":        func(r []appRole) []appRole { r[0].ID = "00000000-0000-0000-0000-000000000000"; return r },
		"duplicate value":    func(r []appRole) []appRole { r[2].Value = "p"; return r },
		"value with a space": func(r []appRole) []appRole { r[0].Value = "R R"; return r },
		"value not in tf":    func(r []appRole) []appRole { r[2].Value = "Y"; return r },
		"tf role missing":    func(r []appRole) []appRole { return r[:2] },
		"extra role": func(r []appRole) []appRole {
			return append(r, appRole{[]string{"User"}, "d", "n", "11111111-2222-4333-8444-555555555555", r[0].IsEnabled, "Z"})
		},
		"disabled":              func(r []appRole) []appRole { r[1].IsEnabled = &no; return r },
		"release by an app":     func(r []appRole) []appRole { r[2].AllowedMemberTypes = []string{"User", "Application"}; return r },
		"unknown member type":   func(r []appRole) []appRole { r[0].AllowedMemberTypes = []string{"Group"}; return r },
		"no display name":       func(r []appRole) []appRole { r[0].DisplayName = " "; return r },
		"value differs in case": func(r []appRole) []appRole { r[0].Value = "r"; return r },
	}
	for name, mutate := range tests {
		if p := checkAppRoles(mutate(good()), tfRoles); len(p) == 0 {
			t.Errorf("%s: accepted", name)
		}
	}
}
