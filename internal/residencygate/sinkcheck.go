package residencygate

import "strings"

// checkSink establishes a sink's region and refuses it unless allowed or
// trusted. Known values are located by what they name (a resource ID, a
// storage or Cosmos endpoint, an account name, the region of an App Insights
// endpoint); values unknown until apply only through an exact reference to
// one resource of the plan (exactTarget).
func (ix *index) checkSink(r *resource, s sinkValue, policy Policy, allowed map[string]bool) (SinkUse, *Finding) {
	attr := strings.Join(s.path, ".")
	use := SinkUse{Attribute: attr, Target: sinkTarget(s)}
	finding := func(reason Reason, value, detail string) *Finding {
		return &Finding{Address: r.Address, Type: r.Type, Attribute: attr, Value: value, Reason: reason, Detail: detail}
	}
	located := func(l location) (SinkUse, *Finding) {
		use.Region, use.Via = l.Region, l.Via
		if allowed[l.Region] {
			use.Status = "allowed"
			return use, nil
		}
		use.Status = "refused"
		return use, finding(ReasonSinkNotAllowed, l.Region+" ("+l.Via+")", "send it to a resource in an allowed region")
	}
	unresolved := func(detail string) (SinkUse, *Finding) {
		use.Status = "unresolved"
		return use, finding(ReasonSinkUnresolved, use.Target, detail)
	}
	trusted := func() (SinkUse, *Finding) {
		use.Status = "trusted"
		return use, nil
	}
	locateResource := func(t *resource, what string) (SinkUse, *Finding) {
		if t == nil {
			return unresolved(what + " is not in this plan or its prior state")
		}
		l, ok := ix.locate(t, 0)
		if !ok {
			return unresolved(t.Address + " has no region the plan shows")
		}
		return located(l)
	}

	if s.kind == sinkURL {
		if !s.unknown && policy.trustedURL(s.value) {
			return trusted()
		}
		use.Status = "refused"
		return use, finding(ReasonSinkExternal, use.Target, "deliver to an Azure resource in an allowed region instead, or name the exact URL with -trusted-sink")
	}

	if s.unknown {
		if s.path[0] == "app_settings" {
			return unresolved("app settings are one expression in the plan, so a setting known only after apply cannot be traced: " +
				"build it from names the plan knows (an endpoint from the account name)")
		}
		spec := traceAttrs[s.kind]
		target, why := ix.exactTarget(r, expressionAt(r.Expressions, s.path), spec.attrs, spec.types...)
		if target == nil {
			return unresolved("known only after apply and not traceable: " + why)
		}
		return locateResource(target, target.Address)
	}

	switch s.kind {
	case sinkResource:
		if t := ix.byID(s.value, r); t != nil {
			if l, ok := ix.locate(t, 0); ok {
				return located(l)
			}
		}
		if policy.trustedID(s.value) {
			return trusted()
		}
		return unresolved("not in this plan or its prior state; name it with -trusted-sink if you vouch it is in the UK")
	case sinkStorageURL, sinkCosmosEndpoint:
		typ, account, ok := "azurerm_storage_account", "", false
		if s.kind == sinkStorageURL {
			account, ok = storageAccountOfURL(s.value)
		} else {
			typ = "azurerm_cosmosdb_account"
			account, ok = cosmosAccountOfURL(s.value)
		}
		if ok {
			if t := ix.byName(typ, account); t != nil {
				return locateResource(t, account)
			}
		}
		if policy.trustedURL(s.value) {
			return trusted()
		}
		return unresolved("not an endpoint of an account this plan or its prior state shows")
	case sinkStorageName:
		return locateResource(ix.byName("azurerm_storage_account", s.value), "storage account "+s.value)
	case sinkStorageConn:
		accounts, ok := storageAccountsOfConnection(s.value)
		if !ok {
			return unresolved("the connection string names no public-cloud storage account")
		}
		var first *SinkUse
		for _, a := range accounts {
			u, f := locateResource(ix.byName("azurerm_storage_account", a), "storage account "+a)
			if f != nil {
				return u, f
			}
			if first == nil {
				first = &u
			}
		}
		return *first, nil
	case sinkAppInsights:
		eps, ok := appInsightsEndpoints(s.value)
		if !ok {
			return unresolved("no IngestionEndpoint: telemetry would go to the global endpoint; use the connection string of a UK Application Insights resource")
		}
		for _, ep := range eps {
			if ep.Region == "" {
				return unresolved(ep.Key + " host " + ep.Host + " names no region")
			}
			if !allowed[ep.Region] {
				use.Region, use.Via, use.Status = ep.Region, ep.Key, "refused"
				return use, finding(ReasonSinkNotAllowed, ep.Region+" ("+ep.Key+")", "use the connection string of an Application Insights resource in an allowed region")
			}
		}
		use.Region, use.Via, use.Status = eps[0].Region, eps[0].Key+" "+eps[0].Host, "allowed"
		return use, nil
	case sinkAppInsightsKey:
		t := ix.byAttribute("azurerm_application_insights", "instrumentation_key", s.value)
		if t == nil {
			return unresolved("an instrumentation key alone sends telemetry to the global endpoint; use the connection string of a UK Application Insights resource")
		}
		return locateResource(t, "the Application Insights of this key")
	}
	return unresolved("unknown kind of sink")
}

// sinkTarget is what the evidence shows of a sink's value: never a key.
func sinkTarget(s sinkValue) string {
	switch {
	case s.unknown:
		return "(known after apply)"
	case s.kind == sinkStorageConn || s.kind == sinkAppInsights:
		return redactConnection(s.value)
	case s.kind == sinkAppInsightsKey:
		return "(instrumentation key)"
	}
	return s.value
}
