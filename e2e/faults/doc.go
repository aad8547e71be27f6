// Package faults is the fault suite (make faults, docs/reliability.md): N
// uploads through the local Functions host and the real handler while the
// handler's Storage and Cosmos traffic passes FAKE faults
// (internal/faultproxy), every event is delivered one to three times in
// random order, the handler is killed with SIGKILL and restarted by the
// host, and retention sweeps run while legal holds are set and cleared
// through ClipManage. At the end nothing may be lost, duplicated or wrongly
// deleted, every audit chain must verify and the logs must hold no secret.
//
// Settings: FAULTS_UPLOADS (default 150, make faults: 1000), FAULTS_RATE
// (0..1, default 0.2), FAULTS_SEED (default fixed under CI=true, else from
// the clock; always printed).
package faults
