package cosmosdb

import (
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// The searches behind `bwv report` (docs/report.md), besides SearchDueWithin,
// SearchOnHold and SearchFlaggedForReview which it shares with `bwv query`.
// Like every cross-partition search they are plain filters (no ORDER BY,
// TOP, aggregates or GROUP BY, which Azure's gateway refuses to the Go SDK):
// the report counts on the client, over every page.

// ReportProjection is the few fields the report counts by.
const ReportProjection = "SELECT c.id, c.officerId, c.stationId, c.recordedStart, c.status, c.reasons, c.retention, c.receivedAt FROM c"

// SearchRecordedBetween is every clip recorded in [from, to), whatever its
// status: the clips-per-day-and-station chart.
func SearchRecordedBetween(from, to time.Time) Search {
	return Search{
		Name: "report-recorded",
		SQL:  ReportProjection + " WHERE c.type = @type AND c.recordedStart >= @from AND c.recordedStart < @to",
		Params: []azcosmos.QueryParameter{clipTypeParam(),
			{Name: "@from", Value: clip.At(from).String()}, {Name: "@to", Value: clip.At(to).String()}},
		Index:  "/recordedStart",
		SortBy: SortRecordedStartDesc,
	}
}

// SearchRejectedBetween is every clip received in [from, to) that the
// pipeline rejected: quarantined (its reasons say why) or refused (outside
// the residency rules).
func SearchRejectedBetween(from, to time.Time) Search {
	return Search{
		Name: "report-rejected",
		SQL: ReportProjection + " WHERE c.type = @type AND c.status IN (@quarantined, @refused)" +
			" AND c.receivedAt >= @from AND c.receivedAt < @to",
		Params: []azcosmos.QueryParameter{clipTypeParam(),
			{Name: "@quarantined", Value: string(clip.StatusQuarantined)}, {Name: "@refused", Value: string(clip.StatusRefused)},
			{Name: "@from", Value: clip.At(from).String()}, {Name: "@to", Value: clip.At(to).String()}},
		Index:  "/status ASC, /receivedAt DESC",
		SortBy: SortReceivedAtAsc,
	}
}

// SearchHeldUntilReleased is every clip whose rule keeps it until a person
// releases it (retention.heldUntilReleased), not yet deleted.
func SearchHeldUntilReleased() Search {
	return Search{
		Name: "report-held-until-released",
		SQL:  ReportProjection + " WHERE c.type = @type AND c.retention.heldUntilReleased = true AND c.status != @deleted",
		Params: []azcosmos.QueryParameter{clipTypeParam(),
			{Name: "@deleted", Value: string(clip.StatusDeleted)}},
		Index:  "/retention/heldUntilReleased",
		SortBy: SortRetainUntilAsc,
	}
}

// SearchPendingRelease is every clip with a release waiting for its grace
// to end (retention.pendingRelease set and not cancelled), not yet deleted.
func SearchPendingRelease() Search {
	return Search{
		Name: "report-pending-release",
		SQL: ReportProjection + " WHERE c.type = @type AND IS_DEFINED(c.retention.pendingRelease)" +
			" AND NOT IS_DEFINED(c.retention.pendingRelease.cancelledAt) AND c.status != @deleted",
		Params: []azcosmos.QueryParameter{clipTypeParam(),
			{Name: "@deleted", Value: string(clip.StatusDeleted)}},
		Index:  "/retention/pendingRelease/effectiveFrom",
		SortBy: SortRetainUntilAsc,
	}
}
