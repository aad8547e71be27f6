// Package config reads the handler's settings from the environment once,
// at start, and validates them. Handlers never call os.Getenv: they get a
// Config. A bad setting stops the process with a message naming it.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/residency"
)

// Config is every setting the handler reads (docs/architecture.md).
type Config struct {
	Port string // FUNCTIONS_CUSTOMHANDLER_PORT

	StorageAccount      string
	StorageRegion       string
	BlobEndpoint        string
	StorageKey          string // local only; empty = managed identity
	AllowedRegions      []string
	UploadContainer     string
	QuarantineContainer string

	CosmosEndpoint  string
	CosmosKey       string // local only; empty = managed identity
	CosmosDatabase  string
	ClipsContainer  string
	AuditContainer  string
	CosmosBootstrap bool

	RetentionPolicyPath string

	MaxClipDuration   time.Duration
	ClockSkew         time.Duration
	VerifyRangeBytes  int64
	VerifyParallelism int
	LogLevel          string

	// TrustPrincipalHeaders: the platform's authentication (App Service
	// Authentication / Easy Auth) is on, so X-MS-CLIENT-PRINCIPAL* headers
	// were set by the platform and name an authenticated person. Off, a
	// caller could forge them: ClipManage then ignores them.
	TrustPrincipalHeaders bool

	// ImmutabilityOff (BWV_IMMUTABILITY=off) stops the functions setting
	// immutability policies and legal holds on footage. Only allowed with a
	// loopback blob endpoint (a local emulator without the enforcing
	// fake): in Azure, Storage-level protection cannot be switched off.
	ImmutabilityOff bool
	// HoldHorizon (BWV_HOLD_HORIZON_DAYS) is how far ahead the immutability
	// policy of a clip with no deletion date (held, or kept until released)
	// reaches; ClipManage and the sweep move it on (docs/retention.md).
	HoldHorizon time.Duration

	// Roles are the Entra app role values ClipManage requires
	// (BWV_ROLE_READ, BWV_ROLE_PROTECT, BWV_ROLE_RELEASE): non-empty and
	// distinct, so no role can stand in for another.
	Roles Roles
}

// Roles are the app role values that grant ClipManage's three kinds of
// access (docs/infra.md › Identity and access).
type Roles struct {
	Read    string // GET a clip and its trail
	Protect string // a change that keeps footage at least as long
	Release string // a change that can bring deletion earlier
}

// Default role values: infra/entra/app-roles.json and Terraform's
// clip_manage_roles.
const (
	DefaultRoleRead    = "BWV.Clips.Read"
	DefaultRoleProtect = "BWV.Clips.Protect"
	DefaultRoleRelease = "BWV.Clips.Release"
)

// DefaultRoles are the default role values.
func DefaultRoles() Roles {
	return Roles{Read: DefaultRoleRead, Protect: DefaultRoleProtect, Release: DefaultRoleRelease}
}

// Residency returns the runtime residency policy of this configuration.
func (c Config) Residency() residency.Policy {
	return residency.Policy{
		Allowed:      c.AllowedRegions,
		Account:      c.StorageAccount,
		Region:       c.StorageRegion,
		BlobEndpoint: c.BlobEndpoint,
	}
}

// SettingError names the setting that is wrong and why.
type SettingError struct {
	Setting string
	Value   string
	Problem string
}

func (e *SettingError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("setting %s: %s", e.Setting, e.Problem)
	}
	return fmt.Sprintf("setting %s=%q: %s", e.Setting, e.Value, e.Problem)
}

// FromEnv reads the configuration with lookup (os.LookupEnv in main). It
// returns every bad setting at once, joined.
func FromEnv(lookup func(string) (string, bool)) (Config, error) {
	r := reader{lookup: lookup}
	c := Config{
		Port:                  r.required("FUNCTIONS_CUSTOMHANDLER_PORT"),
		StorageAccount:        r.required("BWV_STORAGE_ACCOUNT"),
		StorageRegion:         residency.Normalize(r.required("BWV_STORAGE_REGION")),
		BlobEndpoint:          r.endpoint("BWV_BLOB_ENDPOINT"),
		StorageKey:            r.optional("BWV_STORAGE_KEY", ""),
		AllowedRegions:        r.regions("BWV_ALLOWED_REGIONS", strings.Join(residency.UKRegions, ",")),
		UploadContainer:       r.containerName("BWV_UPLOAD_CONTAINER", "uploads"),
		QuarantineContainer:   r.containerName("BWV_QUARANTINE_CONTAINER", "quarantine"),
		CosmosEndpoint:        r.endpoint("BWV_COSMOS_ENDPOINT"),
		CosmosKey:             r.optional("BWV_COSMOS_KEY", ""),
		CosmosDatabase:        r.optional("BWV_COSMOS_DATABASE", "bwv"),
		ClipsContainer:        r.optional("BWV_COSMOS_CLIPS_CONTAINER", "clips"),
		AuditContainer:        r.optional("BWV_COSMOS_AUDIT_CONTAINER", "audit"),
		CosmosBootstrap:       r.boolean("BWV_COSMOS_BOOTSTRAP", false),
		RetentionPolicyPath:   r.optional("BWV_RETENTION_POLICY", ""),
		MaxClipDuration:       r.duration("BWV_MAX_CLIP_DURATION", "12h", time.Minute, 7*24*time.Hour),
		ClockSkew:             r.duration("BWV_CLOCK_SKEW", "5m", 0, 24*time.Hour),
		VerifyRangeBytes:      int64(r.integer("BWV_VERIFY_RANGE_MIB", 16, 1, 256)) << 20,
		VerifyParallelism:     r.integer("BWV_VERIFY_PARALLELISM", 4, 1, 32),
		LogLevel:              r.oneOf("BWV_LOG_LEVEL", "info", "debug", "info", "warn", "error"),
		TrustPrincipalHeaders: r.boolean("BWV_TRUST_PRINCIPAL_HEADERS", false),
		Roles:                 r.roles(),
		ImmutabilityOff:       r.oneOf("BWV_IMMUTABILITY", "enforce", "enforce", "off") == "off",
		HoldHorizon:           time.Duration(r.integer("BWV_HOLD_HORIZON_DAYS", 90, 7, 3650)) * 24 * time.Hour,
	}
	// Loopback alone is not enough: a tunnel to Azure listens on loopback
	// too. The emulator's well-known account is the second condition.
	if u, err := url.Parse(c.BlobEndpoint); c.ImmutabilityOff && (err != nil || !isLoopback(u.Hostname()) || c.StorageAccount != EmulatorAccount) {
		r.fail("BWV_IMMUTABILITY", "off", "is only allowed with a loopback BWV_BLOB_ENDPOINT and BWV_STORAGE_ACCOUNT="+EmulatorAccount+" (a local emulator): footage in Azure is always protected by Storage itself")
	}
	if p, err := strconv.Atoi(c.Port); c.Port != "" && (err != nil || p < 1 || p > 65535) {
		r.fail("FUNCTIONS_CUSTOMHANDLER_PORT", c.Port, "must be a TCP port number")
	}
	if c.StorageRegion != "" && len(c.AllowedRegions) > 0 && !c.Residency().Allows(c.StorageRegion) {
		r.fail("BWV_STORAGE_REGION", c.StorageRegion, fmt.Sprintf("is not in BWV_ALLOWED_REGIONS %v: the handler will not process footage outside the UK", c.AllowedRegions))
	}
	if c.UploadContainer != "" && c.UploadContainer == c.QuarantineContainer {
		r.fail("BWV_QUARANTINE_CONTAINER", c.QuarantineContainer, "must differ from BWV_UPLOAD_CONTAINER")
	}
	return c, errors.Join(r.errs...)
}

// EmulatorAccount is the storage emulator's (Azurite's) well-known account
// name, the only one BWV_IMMUTABILITY=off is accepted with.
const EmulatorAccount = "devstoreaccount1"

type reader struct {
	lookup func(string) (string, bool)
	errs   []error
}

func (r *reader) fail(name, value, problem string) {
	r.errs = append(r.errs, &SettingError{Setting: name, Value: value, Problem: problem})
}

func (r *reader) get(name string) string {
	v, _ := r.lookup(name)
	return strings.TrimSpace(v)
}

func (r *reader) required(name string) string {
	v := r.get(name)
	if v == "" {
		r.fail(name, "", "is required (see local.settings.sample.json)")
	}
	return v
}

func (r *reader) optional(name, def string) string {
	if v := r.get(name); v != "" {
		return v
	}
	return def
}

func (r *reader) endpoint(name string) string {
	v := r.required(name)
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		r.fail(name, v, "must be an http(s) URL")
		return v
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		r.fail(name, v, "plain http is only allowed to a loopback address (local emulators); use https")
	}
	return v
}

// isLoopback reports whether host is localhost or a loopback IP literal.
// Names are never matched by prefix: "127.evil.example" is a name that
// resolves wherever its owner likes, so plain http to it is refused.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (r *reader) regions(name, def string) []string {
	v := r.optional(name, def)
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = residency.Normalize(p); p != "" {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		r.fail(name, v, "must list at least one region")
	}
	for _, reg := range out {
		if !slices.Contains(residency.UKRegions, reg) {
			r.fail(name, v, fmt.Sprintf("region %q is not one of the UK regions %v; footage must stay in the UK", reg, residency.UKRegions))
		}
	}
	return out
}

// roles reads BWV_ROLE_READ, BWV_ROLE_PROTECT and BWV_ROLE_RELEASE. A set
// but blank value is refused rather than defaulted (a blank role would
// grant nothing, or, worse, be mistaken for the default), and two settings
// with the same value are refused: the release role must never be granted
// by holding the protect or read role.
func (r *reader) roles() Roles {
	out := Roles{}
	for _, s := range []struct {
		name, def string
		dst       *string
	}{{"BWV_ROLE_READ", DefaultRoleRead, &out.Read}, {"BWV_ROLE_PROTECT", DefaultRoleProtect, &out.Protect}, {"BWV_ROLE_RELEASE", DefaultRoleRelease, &out.Release}} {
		raw, set := r.lookup(s.name)
		v := strings.TrimSpace(raw)
		switch {
		case set && v == "":
			r.fail(s.name, "", "must not be empty: it names the Entra app role value ClipManage requires (default "+s.def+")")
		case !set:
			v = s.def
		case len(v) > 120 || strings.ContainsFunc(v, func(c rune) bool { return c <= ' ' || c == 0x7f }):
			r.fail(s.name, v, "must be an app role value: at most 120 characters, no spaces or control characters")
		}
		*s.dst = v
	}
	switch {
	case out.Read != "" && strings.EqualFold(out.Read, out.Protect):
		r.fail("BWV_ROLE_PROTECT", out.Protect, "must differ from BWV_ROLE_READ: reading must not grant changes")
	case out.Protect != "" && strings.EqualFold(out.Protect, out.Release):
		r.fail("BWV_ROLE_RELEASE", out.Release, "must differ from BWV_ROLE_PROTECT: bringing deletion earlier is a separate grant")
	case out.Read != "" && strings.EqualFold(out.Read, out.Release):
		r.fail("BWV_ROLE_RELEASE", out.Release, "must differ from BWV_ROLE_READ: reading must not grant release")
	}
	return out
}

func (r *reader) containerName(name, def string) string {
	v := r.optional(name, def)
	if len(v) < 3 || len(v) > 63 || strings.Trim(v, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		r.fail(name, v, "must be a valid container name: 3-63 lower-case letters, digits and '-'")
	}
	return v
}

func (r *reader) boolean(name string, def bool) bool {
	v := r.get(name)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.fail(name, v, "must be true or false")
	}
	return b
}

func (r *reader) duration(name, def string, lo, hi time.Duration) time.Duration {
	v := r.optional(name, def)
	d, err := time.ParseDuration(v)
	if err != nil || d < lo || d > hi {
		r.fail(name, v, fmt.Sprintf("must be a Go duration between %s and %s, e.g. %s", lo, hi, def))
	}
	return d
}

func (r *reader) integer(name string, def, lo, hi int) int {
	v := r.get(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		r.fail(name, v, fmt.Sprintf("must be a whole number from %d to %d", lo, hi))
	}
	return n
}

func (r *reader) oneOf(name, def string, allowed ...string) string {
	v := strings.ToLower(r.optional(name, def))
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	r.fail(name, v, fmt.Sprintf("must be one of %v", allowed))
	return def
}
