// Package disclosure builds and checks disclosure bundles: what a
// disclosure officer hands to the Crown Prosecution Service or the defence
// to show that a clip is the one recorded, unchanged, with its full history
// (docs/disclosure.md).
//
// A bundle is one directory per clip. Export streams the recorded blob
// version to disk while hashing it, writes the manifest, appends a
// "disclosed" audit entry through the store (conditional on the record's
// audit head), then writes the record, the trail with that entry, the
// chain's verification result, a README and the index, in a ".partial-"
// directory renamed into place only when everything is written. Verify
// checks a bundle offline, naming every file, entry and field that does
// not match.
package disclosure
