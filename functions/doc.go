// Package functions holds the function implementations, one file each;
// their bindings are in <Name>/function.json beside this file, and the
// same files run under the Azure Functions host and the project's local
// host. Every function is idempotent: Event Grid and the queue deliver at
// least once, out of order, and after crashes.
package functions
