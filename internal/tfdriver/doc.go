// Package tfdriver drives Terraform or OpenTofu for infra/terraform through
// terraform-exec: find the binary (FindTool), then fmt, init (optionally from
// a provider plugin directory, for offline and air-gapped use), validate,
// plan to a saved file, show it as JSON, and apply exactly that saved plan.
//
// It knows nothing about residency: the gate that refuses non-UK plans is
// package residencygate, and cmd/bwv (`bwv infra`) puts the two together so
// that apply only ever runs on a plan the gate has just passed.
package tfdriver
