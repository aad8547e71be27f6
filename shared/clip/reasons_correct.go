package clip

// Metadata correction (ClipManage correct-metadata; docs/metadata.md).
const (
	// CodeCorrectionEmpty: a correct-metadata request that names no field.
	CodeCorrectionEmpty Code = "CORRECTION_EMPTY"
	// CodeCorrectionInvalid: the corrected metadata still breaks a rule of
	// the contract (the answer lists every reason); nothing was changed.
	CodeCorrectionInvalid Code = "CORRECTION_INVALID"
	// CodeHashNotCorrectable: the declared SHA-256 is the dock's evidence of
	// what it sent; no one may change it.
	CodeHashNotCorrectable Code = "HASH_NOT_CORRECTABLE"
	// CodeClipNotQuarantined: only a quarantined clip's metadata is corrected.
	CodeClipNotQuarantined Code = "CLIP_NOT_QUARANTINED"
	// CodeCorrectionMovePending: the clip's content is still in the upload
	// container (ClipVerify has not moved it to quarantine yet): try again
	// once it has.
	CodeCorrectionMovePending Code = "CORRECTION_MOVE_PENDING"
	// CodeVerificationPending (a reason on a quarantined record): the
	// metadata was corrected and every remaining problem is gone; ClipVerify
	// is hashing the quarantined content, and the clip becomes verified when
	// the hash matches the declared one (HASH_MISMATCH otherwise).
	CodeVerificationPending Code = "VERIFICATION_PENDING"
)

// metadataCodes are the reasons ParseMetadata gives: the problems a
// metadata correction can resolve. Every other reason (integrity, identity,
// tamper) stays on the record whatever the correction says.
var metadataCodes = map[Code]bool{
	CodeOfficerIDMissing: true, CodeOfficerIDInvalid: true, CodeDeviceIDMissing: true, CodeDeviceIDInvalid: true,
	CodeRecordedStartMissing: true, CodeRecordedStartInvalid: true, CodeRecordedStartFuture: true,
	CodeRecordedEndMissing: true, CodeRecordedEndInvalid: true, CodeRecordedEndNotAfter: true, CodeDurationTooLong: true,
	CodeSHA256Missing: true, CodeSHA256Invalid: true, CodeCategoryInvalid: true, CodeCategoryUnknown: true,
	CodeIncidentRefInvalid: true, CodeStationIDInvalid: true, CodeLatitudeInvalid: true, CodeLongitudeInvalid: true,
	CodeLocationIncomplete: true, CodeMetadataDuplicateKey: true, CodeContentEmpty: true,
	CodeVerificationPending: true, // recomputed by every correction
}

// IsMetadataReason reports whether code is a metadata problem that a
// correction re-decides (by validating the corrected metadata again).
func IsMetadataReason(code Code) bool { return metadataCodes[code] }
