// Package devhost is the project's local Azure Functions host: a stand-in for
// the real host (and Core Tools' `func start`) on a machine that cannot install
// either, speaking the same custom-handler contract to the same handler binary
// with the same host.json and function.json files that run in Azure.
//
// Why it exists: Core Tools downloads the host from a CDN at install time and
// Azurite never emits Event Grid events, so an offline machine has no other way
// to run upload → Event Grid → ingest → queue → verify end to end.
//
// What it does, and where each part's behaviour comes from:
//   - reads host.json and every function.json under a script root (config.go,
//     functions.go), and a local.settings.json-style file (settings.go);
//   - starts the handler named by customHandler.description.defaultExecutablePath
//     with FUNCTIONS_CUSTOMHANDLER_PORT on a free loopback port, waits for it to
//     listen and restarts it when it dies (handler.go);
//   - POSTs {Data, Metadata} to /<FunctionName> and reads {Outputs, Logs,
//     ReturnValue} exactly as the real host's DefaultHttpWorkerService and
//     ScriptInvocationContextExtensions do, including their quirks: string
//     trigger values are JSON-encoded once more (a queue message "hello" arrives
//     as the JSON string "\"hello\""), DequeueCount arrives as a string, Id and
//     PopReceipt arrive quoted, and a string output that happens to be valid
//     base64 is decoded before it is written (payload.go, invoke.go, output.go);
//   - raises Microsoft.Storage.BlobCreated events by listing the upload container
//     in Azurite, with Event Grid's retry schedule, and accepts Core Tools'
//     /runtime/webhooks/eventgrid endpoint (eventgrid*.go, blobwatch.go);
//   - queue triggers with host.json's batchSize, newBatchThreshold,
//     visibilityTimeout, maxDequeueCount and poison queue (queuetrigger.go);
//   - timer triggers on six-field NCRONTAB plus POST /admin/functions/<Name>
//     (ncrontab.go, timertrigger.go, admin.go);
//   - HTTP triggers under /api with route templates and authLevel keys
//     (httptrigger.go, route.go).
//
// It is a development and test tool. Where it cannot match Azure (no persisted
// timer status, no scale-out, no identity-based connections) docs/local-host.md
// says so.
package devhost
