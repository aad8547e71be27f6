package residencygate

import (
	"net/url"
	"regexp"
	"strings"
)

// Locating the targets of sinks that are not resource IDs: endpoint URLs,
// storage and Application Insights connection strings, account names.

// storageAccountOfURL returns the account of a public-cloud storage service
// URL (https://<account>.<service>.core.windows.net/…).
func storageAccountOfURL(s string) (string, bool) {
	host, ok := urlHost(s)
	if !ok {
		return "", false
	}
	rest, ok := strings.CutSuffix(host, ".core.windows.net")
	if !ok {
		return "", false
	}
	account, service, ok := strings.Cut(rest, ".")
	switch service {
	case "blob", "queue", "table", "file", "dfs":
		return account, ok && account != ""
	}
	return "", false
}

// cosmosAccountOfURL returns the account of a Cosmos DB endpoint
// (https://<account>.documents.azure.com:443/).
func cosmosAccountOfURL(s string) (string, bool) {
	host, ok := urlHost(s)
	if !ok {
		return "", false
	}
	account, ok := strings.CutSuffix(host, ".documents.azure.com")
	return account, ok && account != "" && !strings.Contains(account, ".")
}

func urlHost(s string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" || u.User != nil {
		return "", false
	}
	return strings.ToLower(u.Hostname()), true
}

// connectionString splits "Key=Value;Key=Value" into lower-cased keys.
func connectionString(s string) map[string]string {
	m := map[string]string{}
	for _, part := range strings.Split(s, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok && k != "" {
			m[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	return m
}

// storageAccountsOfConnection lists the accounts a storage connection string
// sends data to: AccountName (public cloud only) and every explicit
// *Endpoint. ok is false when some part cannot be located that way.
func storageAccountsOfConnection(s string) (accounts []string, ok bool) {
	cs := connectionString(s)
	if len(cs) == 0 || cs["usedevelopmentstorage"] != "" {
		return nil, false
	}
	if name := cs["accountname"]; name != "" {
		if suffix := cs["endpointsuffix"]; suffix != "" && !strings.EqualFold(suffix, "core.windows.net") {
			return nil, false
		}
		accounts = append(accounts, strings.ToLower(name))
	}
	for _, k := range sortedKeys(cs) {
		if !strings.HasSuffix(k, "endpoint") || k == "endpointsuffix" {
			continue
		}
		a, found := storageAccountOfURL(cs[k])
		if !found {
			return nil, false
		}
		accounts = append(accounts, a)
	}
	return accounts, len(accounts) > 0
}

// aiEndpoint is one endpoint of an Application Insights connection string.
type aiEndpoint struct {
	Key, Host, Region string // Region "" when the host names no region
}

var regionLabel = regexp.MustCompile(`^([a-z0-9]+?)(-[0-9]+)?$`)

// appInsightsEndpoints returns the endpoints of an Application Insights
// connection string with the region each host names
// ("uksouth-1.in.applicationinsights.azure.com" → uksouth). ok is false
// without an IngestionEndpoint: telemetry then goes to the global endpoint.
func appInsightsEndpoints(s string) (eps []aiEndpoint, ok bool) {
	cs := connectionString(s)
	if cs["ingestionendpoint"] == "" {
		return nil, false
	}
	for _, k := range sortedKeys(cs) {
		if !strings.HasSuffix(k, "endpoint") {
			continue
		}
		ep := aiEndpoint{Key: k}
		host, valid := urlHost(cs[k])
		ep.Host = host
		if valid && (strings.HasSuffix(host, ".applicationinsights.azure.com") || strings.HasSuffix(host, ".monitor.azure.com")) {
			label, _, _ := strings.Cut(host, ".")
			if m := regionLabel.FindStringSubmatch(label); m != nil {
				ep.Region = m[1]
			}
		}
		if k == "ingestionendpoint" {
			eps = append([]aiEndpoint{ep}, eps...)
		} else {
			eps = append(eps, ep)
		}
	}
	return eps, true
}

// redactConnection keeps only the parts of a connection string that say
// where data goes: evidence files and tables never show keys.
func redactConnection(s string) string {
	cs := connectionString(s)
	var parts []string
	hidden := false
	for _, k := range sortedKeys(cs) {
		if strings.HasSuffix(k, "endpoint") || k == "accountname" || k == "endpointsuffix" || k == "location" {
			parts = append(parts, k+"="+cs[k])
		} else {
			hidden = true
		}
	}
	if hidden {
		parts = append(parts, "(other parts hidden)")
	}
	return strings.Join(parts, ";")
}

// byName finds a resource of a type by its name attribute (storage and
// Cosmos account names are globally unique, so a name the plan creates or
// reads is that account).
func (ix *index) byName(typ, name string) *resource {
	return ix.byAttribute(typ, "name", name)
}

func (ix *index) byAttribute(typ, attr, value string) *resource {
	for _, r := range ix.resources {
		if v, ok := r.Values[attr].(string); ok && r.Type == typ && v != "" && strings.EqualFold(v, value) {
			return r
		}
	}
	return nil
}
