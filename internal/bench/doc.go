// Package bench is `make bench`: it measures the deployed handler binary on
// the local services (Azurite on disk, the local Cosmos server through the
// project's launcher, the local Functions host for the pipeline latency)
// and prints one table — every figure measured in the same run, next to
// the limit it is held against and the ratio — and writes it as JSON.
//
// The limits are what this machine can do without the handler: raw SHA-256
// on this CPU, the fastest raw download of the same blob, and the raw rate
// of the same Storage and Cosmos operations issued from one process. Only
// ratios from one run mean anything; absolute figures move with the
// machine and its load. Round trips are counted on the wire (counting
// proxies in front of Azurite and the Cosmos server for the handler, a
// counting transport for the raw sequences), never assumed.
//
// Sizes come from BWV_BENCH_* environment variables (Config), so a test
// can run the whole table at toy sizes in seconds (bench_test.go).
package bench
