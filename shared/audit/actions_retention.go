package audit

// ActionDeletionConfirmed closes a deletion: the retention sweep deleted
// the clip's content (or found it already gone) after the "deleted" entry
// tombstoned the record. It is the audit twin of the record's top-level
// deletedAt: a "deleted" entry without it is a deletion still in progress.
const ActionDeletionConfirmed = "deletion-confirmed"
