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
package funchost
