// Package cosmosdb is the Cosmos DB adapter: the clip, audit and name-claim
// documents, conditional writes (create-if-absent, If-Match) wherever two
// invocations can race, bounded handling of 429 throttling that honours
// x-ms-retry-after-ms, the local bootstrap of database and containers with
// the indexing policy that infra/terraform also declares, and the account
// region check behind the residency rule.
package cosmosdb
