package localsvc

import "errors"

// ErrToolsMissing is wrapped by every error caused by a missing node binary or a
// missing tools/node_modules; match it with errors.Is to decide between "install
// the tools" and a real failure.
var ErrToolsMissing = errors.New("local service tools missing (run scripts/install-npm.sh)")

// ErrNotReady is wrapped when a service exits, or the context ends, before it
// printed its ready line.
var ErrNotReady = errors.New("local service did not become ready")
