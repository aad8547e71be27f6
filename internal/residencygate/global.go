package residencygate

// regionGlobal is the pseudo-region Azure gives resources that live in no
// region.
const regionGlobal = "global"

// globalByDesign is the one list of resource types the gate lets be
// "global", each with the reason: Azure has no regional form of them and
// they hold no footage, records or logs. A "global" region on any other
// type is refused like any region outside the allowed set, and these types
// are still refused in a named region outside it (westeurope is westeurope).
// Adding a type here is a residency decision: say why in its entry, and
// test it (global_test.go).
var globalByDesign = map[string]string{
	"azurerm_private_dns_zone": "private DNS zones are global in Azure and hold only name records " +
		"(privatelink.* → private endpoint IPs), no data",
	"azurerm_private_dns_zone_virtual_network_link": "a private DNS zone's link to a VNet: global with its zone, " +
		"holds no data",
	"azurerm_monitor_action_group": "action groups are global in Azure and hold only notification receivers; " +
		"an alert notification carries the rule's name, description and row count, never rows, footage or records",
}

// globalAllowed reports whether region is "global" on a type whose global
// placement is reviewed, and the reason.
func globalAllowed(typ, region string) (string, bool) {
	if region != regionGlobal {
		return "", false
	}
	why, ok := globalByDesign[typ]
	return why, ok
}

// GlobalByDesignTypes lists the types the gate allows in "global".
func GlobalByDesignTypes() []string { return sortedKeys(globalByDesign) }
