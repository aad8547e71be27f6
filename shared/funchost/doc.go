// Package funchost speaks the Azure Functions custom-handler protocol, and
// nothing else does: the host POSTs {Data, Metadata} to /<FunctionName>
// and reads back {Outputs, Logs, ReturnValue}. Function code receives an
// *Invocation with typed accessors and never parses raw host JSON.
//
// The package also owns the per-invocation concerns every function shares:
// the invocation id (header X-Azure-Functions-InvocationId) in the context
// and on every log line, panic recovery, and the mapping from an error's
// kind to the answer (2xx for bad input that a retry cannot fix, 500 for
// transient faults so the host retries).
//
// The trigger and output values of the types this project binds (HTTP
// request and response, timer info) and the unwrapping of values the real
// host double-encodes (Unwrap, DecodeValue) are defined here once, for the
// handler and for the local host (internal/devhost) alike; testdata/ holds
// recorded payloads in the real host's shapes.
package funchost
