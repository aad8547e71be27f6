package disclosure

import "github.com/bwv-ingest/bwv-ingest/internal/reason"

// Reason codes of export and verify; stable (docs/disclosure.md). Match
// them with reason.CodeOf or errors.Is(err, &reason.Error{Code: ...}).
const (
	// CodeInputInvalid: a flag, clip id or destination is wrong.
	CodeInputInvalid reason.Code = "INPUT_INVALID"
	// CodeClipNotFound: no clip record has that id.
	CodeClipNotFound reason.Code = "CLIP_NOT_FOUND"
	// CodeClipNotExportable: the clip has no content to disclose or is not
	// yet verified (status received, deleted, refused).
	CodeClipNotExportable reason.Code = "CLIP_NOT_EXPORTABLE"
	// CodeChainBroken: the clip's audit chain in the store does not verify;
	// investigate before disclosing.
	CodeChainBroken reason.Code = "AUDIT_CHAIN_BROKEN"
	// CodeContentMismatch: the content read at export does not match the
	// record (size or SHA-256): nothing was disclosed.
	CodeContentMismatch reason.Code = "CONTENT_MISMATCH"
	// CodeBundleExists: the destination already holds a bundle of the clip.
	CodeBundleExists reason.Code = "BUNDLE_EXISTS"
	// CodeStoreFailed: storage or Cosmos refused or failed a request.
	CodeStoreFailed reason.Code = "STORE_FAILED"
	// CodeWriteFailed: the bundle could not be written to disk.
	CodeWriteFailed reason.Code = "WRITE_FAILED"
	// CodeBundleUnreadable: the bundle's index or a file it needs is
	// missing or not valid JSON, so it cannot be checked.
	CodeBundleUnreadable reason.Code = "BUNDLE_UNREADABLE"
)

// Mismatch codes of Verify: one per kind of finding.
const (
	MismatchFileMissing     = "FILE_MISSING"
	MismatchFileSize        = "FILE_SIZE_MISMATCH"
	MismatchFileHash        = "FILE_HASH_MISMATCH"
	MismatchFileNotIndexed  = "FILE_NOT_INDEXED"
	MismatchSums            = "SUMS_MISMATCH"
	MismatchClipHash        = "CLIP_HASH_MISMATCH"
	MismatchClipSize        = "CLIP_SIZE_MISMATCH"
	MismatchManifest        = "MANIFEST_MISMATCH"
	MismatchEntryHash       = "ENTRY_HASH_MISMATCH"
	MismatchEntryLink       = "ENTRY_LINK_BROKEN"
	MismatchHead            = "AUDIT_HEAD_MISMATCH"
	MismatchDisclosed       = "DISCLOSED_ENTRY_MISMATCH"
	MismatchVerificationLog = "VERIFICATION_RESULT_MISMATCH"
	// MismatchBundleHash: index.json's SHA-256 is not the --bundle-hash
	// handed over (bwv export verify).
	MismatchBundleHash = "BUNDLE_HASH_MISMATCH"
)
