package clip

// Code is a stable reason code. Codes are a contract with operators and
// analysts (they appear in Cosmos records, logs and HTTP answers): never
// rename one; add new ones. docs/metadata.md lists them all.
type Code string

// Reason is one rule a clip broke, recorded on the clip document.
type Reason struct {
	Code    Code   `json:"code"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// Metadata rules.
const (
	CodeOfficerIDMissing      Code = "OFFICER_ID_MISSING"
	CodeOfficerIDInvalid      Code = "OFFICER_ID_INVALID"
	CodeDeviceIDMissing       Code = "DEVICE_ID_MISSING"
	CodeDeviceIDInvalid       Code = "DEVICE_ID_INVALID"
	CodeRecordedStartMissing  Code = "RECORDED_START_MISSING"
	CodeRecordedStartInvalid  Code = "RECORDED_START_INVALID"
	CodeRecordedStartFuture   Code = "RECORDED_START_IN_FUTURE"
	CodeRecordedEndMissing    Code = "RECORDED_END_MISSING"
	CodeRecordedEndInvalid    Code = "RECORDED_END_INVALID"
	CodeRecordedEndNotAfter   Code = "RECORDED_END_NOT_AFTER_START"
	CodeDurationTooLong       Code = "DURATION_TOO_LONG"
	CodeSHA256Missing         Code = "SHA256_MISSING"
	CodeSHA256Invalid         Code = "SHA256_INVALID"
	CodeCategoryInvalid       Code = "CATEGORY_INVALID"
	CodeCategoryUnknown       Code = "CATEGORY_UNKNOWN"
	CodeIncidentRefInvalid    Code = "INCIDENT_REF_INVALID"
	CodeStationIDInvalid      Code = "STATION_ID_INVALID"
	CodeLatitudeInvalid       Code = "LATITUDE_INVALID"
	CodeLongitudeInvalid      Code = "LONGITUDE_INVALID"
	CodeLocationIncomplete    Code = "LOCATION_INCOMPLETE"
	CodeMetadataDuplicateKey  Code = "METADATA_DUPLICATE_KEY"
	CodeContentEmpty          Code = "CONTENT_EMPTY"
	CodeHashMismatch          Code = "HASH_MISMATCH"
	CodeTamperOverwrite       Code = "TAMPER_OVERWRITE"
	CodeBlobGone              Code = "BLOB_GONE"
	CodeBlobChanged           Code = "BLOB_CHANGED"
	CodeResidencyAccount      Code = "RESIDENCY_ACCOUNT_NOT_CONFIGURED"
	CodeResidencyRegion       Code = "RESIDENCY_REGION_NOT_ALLOWED"
	CodeResidencyURL          Code = "RESIDENCY_URL_MISMATCH"
	CodeEventMalformed        Code = "EVENT_MALFORMED"
	CodeMessageMalformed      Code = "MESSAGE_MALFORMED"
	CodeRequestMalformed      Code = "REQUEST_MALFORMED"
	CodeConfigInvalid         Code = "CONFIG_INVALID"
	CodeCosmosRegionNotUK     Code = "COSMOS_REGION_NOT_ALLOWED"
	CodeIgnoredEvent          Code = "EVENT_IGNORED"
	CodeThrottledBudgetSpent  Code = "THROTTLED_RETRY_BUDGET_SPENT"
	CodeStorageUnavailable    Code = "STORAGE_UNAVAILABLE"
	CodeCosmosUnavailable     Code = "COSMOS_UNAVAILABLE"
	CodeConcurrentUpdate      Code = "CONCURRENT_UPDATE"
	CodeClipNotFound          Code = "CLIP_NOT_FOUND"
	CodeQuarantineCopyFailed  Code = "QUARANTINE_COPY_FAILED"
	CodeSourceChangedDuringMv Code = "SOURCE_CHANGED_DURING_QUARANTINE"
)
