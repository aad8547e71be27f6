package devhost

import "github.com/bwv-ingest/bwv-ingest/internal/reason"

// Reason codes of the local host, for scripts and tests to match with
// errors.Is(err, &reason.Error{Code: ...}) or reason.CodeOf.
const (
	CodeConfigMissing     reason.Code = "CONFIG_MISSING"     // host.json, settings file or a setting is absent
	CodeConfigInvalid     reason.Code = "CONFIG_INVALID"     // a file or setting does not parse or makes no sense
	CodeFunctionInvalid   reason.Code = "FUNCTION_INVALID"   // a function.json is unusable
	CodeScheduleInvalid   reason.Code = "SCHEDULE_INVALID"   // an NCRONTAB expression does not parse
	CodeHandlerStart      reason.Code = "HANDLER_START"      // the handler could not be started or never listened
	CodeHandlerFailed     reason.Code = "HANDLER_FAILED"     // the handler answered non-2xx or could not be reached
	CodeHandlerBadAnswer  reason.Code = "HANDLER_BAD_ANSWER" // the handler's 2xx answer is not the contract's JSON
	CodeOutputFailed      reason.Code = "OUTPUT_FAILED"      // an output binding could not be written
	CodeStorageFailed     reason.Code = "STORAGE_FAILED"     // Azurite (or Azure Storage) refused a call
	CodeFunctionNotFound  reason.Code = "FUNCTION_NOT_FOUND" // no function of that name (and trigger)
	CodeTriggerValueBad   reason.Code = "TRIGGER_VALUE_BAD"  // a trigger value could not be bound (e.g. bad base64)
	CodeInvocationTimeout reason.Code = "INVOCATION_TIMEOUT" // functionTimeout elapsed
)
