// Package faultproxy puts FAKE faults between the handler and the real local
// Storage (Azurite) and Cosmos DB servers, for the fault suite (make faults,
// docs/reliability.md). It exists because no local part fails on purpose.
//
// Two layers, chained as handler → TCP → HTTP → real server:
//
//   - TCP faults through Toxiproxy (github.com/Shopify/toxiproxy/v2), embedded
//     in process with no API listener: connection resets, added latency,
//     connections that swallow data and close after a timeout, slow closes.
//     Toxiproxy draws per connection from its own random source, so which
//     connection gets a TCP fault is not reproducible from a seed.
//   - HTTP faults Toxiproxy cannot make, through a reverse proxy (HTTP): 429
//     with x-ms-retry-after-ms, 503 ServerBusy, 500 with a body, either before
//     the request reaches the server or after the server did the work (the
//     answer is lost: the client cannot tell whether its write landed), and a
//     slow body. These draws come from a seeded source, so a seed repeats
//     them for the same sequence of requests.
//
// Both layers start disabled; Enable turns faults on. Every listener is on
// 127.0.0.1.
package faultproxy
