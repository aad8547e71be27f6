package clip

// Storage-level protection of footage (docs/retention.md › What Storage
// itself enforces). Each appears in errors and logs; docs/metadata.md
// lists them.
const (
	// CodeBlobImmutable: Storage refused to delete or overwrite a blob
	// version because its time-based immutability policy has not expired
	// (409 BlobImmutableDueToPolicy).
	CodeBlobImmutable Code = "BLOB_IMMUTABLE"
	// CodeBlobLegalHold: Storage refused to delete or overwrite a blob
	// version because it carries a legal hold (409
	// BlobImmutableDueToLegalHold).
	CodeBlobLegalHold Code = "BLOB_LEGAL_HOLD"
	// CodeImmutabilityLocked: a locked immutability policy cannot be
	// shortened, unlocked or deleted (409).
	CodeImmutabilityLocked Code = "IMMUTABILITY_POLICY_LOCKED"
	// CodeImmutabilityUnsupported: Storage does not implement immutability
	// policies or legal holds here (501, e.g. Azurite without the
	// enforcing fake) or the container is not enabled for version-level
	// immutability: footage cannot be protected, so the step fails.
	CodeImmutabilityUnsupported Code = "IMMUTABILITY_UNSUPPORTED"
	// CodeImmutabilityFailed: Storage refused or failed a protection call
	// for another reason (403 after a role change, a 400 for a date,
	// throttling that outlasted the retries), or a protection step that
	// failed is logged under it so the IMMUTABILITY_ alert fires whatever
	// the underlying cause (its own code is logged as cause_code).
	CodeImmutabilityFailed Code = "IMMUTABILITY_FAILED"
)
