package residencygate

// Reason is a stable code for one gate finding.
type Reason string

const (
	// ReasonRegionNotAllowed: a region attribute names a region outside the allowed set.
	ReasonRegionNotAllowed Reason = "region-not-allowed"
	// ReasonRegionUnknown: a region attribute is unknown until apply and cannot be derived.
	ReasonRegionUnknown Reason = "region-unknown"
	// ReasonReplicaNotAllowed: geo-redundant replication or backup would copy data outside the allowed set.
	ReasonReplicaNotAllowed Reason = "replica-not-allowed"
	// ReasonReplicaUnknown: geo-redundancy from a region whose pair is not known.
	ReasonReplicaUnknown Reason = "replica-unknown"
	// ReasonSinkNotAllowed: a log, dead-letter or delivery sink is in a region outside the allowed set.
	ReasonSinkNotAllowed Reason = "sink-not-allowed"
	// ReasonSinkUnresolved: a sink's region cannot be established from the plan and it is not trusted.
	ReasonSinkUnresolved Reason = "sink-unresolved"
	// ReasonSinkExternal: a sink that sends data to an arbitrary URL (webhook).
	ReasonSinkExternal Reason = "sink-external"
	// ReasonPlanIncomplete: the plan defers changes, so not everything can be checked.
	ReasonPlanIncomplete Reason = "plan-incomplete"
	// ReasonCosmosTTL: a Cosmos container would get a default TTL (records would expire).
	ReasonCosmosTTL Reason = "cosmos-ttl"
	// ReasonCosmosIndexChange: a Cosmos container's indexing policy would change (#25123).
	ReasonCosmosIndexChange Reason = "cosmos-index-change"
	// ReasonDataStoreDestroyed: a data store (account, database, container) would be deleted or replaced.
	ReasonDataStoreDestroyed Reason = "data-store-destroyed"
	// ReasonTypeNotReviewed: a managed resource type the gate has not been reviewed for.
	ReasonTypeNotReviewed Reason = "type-not-reviewed"
	// ReasonTemplateDeployment: an ARM template deployment, whose resources the plan cannot show.
	ReasonTemplateDeployment Reason = "template-deployment"
	// ReasonProvisioner: a provisioner, which can run anything anywhere.
	ReasonProvisioner Reason = "provisioner"
)

var reasonText = map[Reason]string{
	ReasonRegionNotAllowed:   "region outside the allowed regions",
	ReasonRegionUnknown:      "region not known until apply; cannot prove it is allowed",
	ReasonReplicaNotAllowed:  "replication or backup copies data outside the allowed regions",
	ReasonReplicaUnknown:     "geo-redundant copy to a region that cannot be determined",
	ReasonSinkNotAllowed:     "sink (logs, dead letters, delivery) outside the allowed regions",
	ReasonSinkUnresolved:     "sink whose region cannot be established from the plan; name it with -trusted-sink if you vouch for it",
	ReasonSinkExternal:       "delivery to an arbitrary URL: data leaves Azure's regional boundary",
	ReasonPlanIncomplete:     "plan is incomplete (deferred changes): not everything can be checked",
	ReasonCosmosTTL:          "Cosmos container default TTL: records would expire silently (terraform-provider-azurerm#25123)",
	ReasonCosmosIndexChange:  "Cosmos indexing-policy change (terraform-provider-azurerm#25123); rerun with -allow-index-change after checking the TTL",
	ReasonDataStoreDestroyed: "a data store would be deleted or replaced, losing clips or records",
	ReasonTypeNotReviewed:    "resource type not reviewed for residency: the gate does not know where it stores or sends data",
	ReasonTemplateDeployment: "ARM template deployment: its resources and regions are invisible to the plan",
	ReasonProvisioner:        "provisioner: runs commands the plan cannot show, which can copy data anywhere",
}

// Text is the sentence a person reads for the reason.
func (r Reason) Text() string { return reasonText[r] }

// Finding is one offender the gate refuses.
type Finding struct {
	Address   string `json:"address"`
	Type      string `json:"type"`
	Attribute string `json:"attribute"`
	Value     string `json:"value"`
	Reason    Reason `json:"reason"`
	Detail    string `json:"detail"`
}
