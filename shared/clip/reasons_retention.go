package clip

// The audited policy recompute (bwv retention recompute --apply). Each
// appears in the command's error; docs/retention.md lists them.
const (
	// CodeRecomputeEarlierNotConfirmed: the recompute would bring some
	// clips' deletion dates earlier and --allow-earlier did not name their
	// number as the dry run counted it; nothing was written.
	CodeRecomputeEarlierNotConfirmed Code = "RECOMPUTE_EARLIER_NOT_CONFIRMED"
	// CodeRecomputeEarlierChanged: during --apply more clips would be
	// brought earlier than --allow-earlier confirmed (records changed
	// since the count); those clips were not written.
	CodeRecomputeEarlierChanged Code = "RECOMPUTE_EARLIER_CHANGED"
	// CodeRecomputeClockSkew: --apply refused because this machine's clock
	// is more than 5 minutes from the database's (the release grace is
	// counted from it); nothing was written.
	CodeRecomputeClockSkew Code = "RECOMPUTE_CLOCK_SKEW"
	// CodeRecomputeClockUnchecked: the database's clock could not be read
	// to check this machine's; nothing was written.
	CodeRecomputeClockUnchecked Code = "RECOMPUTE_CLOCK_UNCHECKED"
)
