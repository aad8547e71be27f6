// Package localsvc starts the local stand-ins for Azure Storage and Azure Cosmos DB
// that tests and `make run` use: Azurite (blob and queue) and @vercel/cosmosdb-server
// behind the project's launcher (tools/cosmos-launcher.js).
//
// Why a package rather than a shell script: every integration test, the local
// Functions host and the CLI's demo need the same thing — a service on a free
// loopback port, ready before the first request, and gone when the caller is
// done, even if the caller panics or is killed. So each service runs as a child
// process in its own process group (killed as a group on Stop, and on Linux
// also when this process dies, via Pdeathsig), and readiness is the ready line
// the service prints with the port it actually bound, never a sleep.
//
// The Cosmos server is always started through the launcher, because the bare
// 1.0.1 server differs from Azure in ways that let wrong code pass tests
// (500 instead of 404, non-atomic batches, unscoped queries, no TTL...); see
// docs/local-services.md. CosmosOptions.Bare exists only so tests can show
// each fault against the bare server.
//
// The npm packages are installed by scripts/install-npm.sh into tools/node_modules;
// when they are missing, Start* return an error wrapping ErrToolsMissing that
// names that script.
package localsvc
