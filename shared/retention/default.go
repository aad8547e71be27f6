package retention

import (
	_ "embed"
	"sync"
)

//go:embed default-policy.json
var defaultPolicyJSON []byte

var defaultPolicy = sync.OnceValue(func() *Policy {
	p, err := Parse(defaultPolicyJSON)
	if err != nil {
		// TestDefaultPolicyIsValid keeps this from ever happening in a built binary.
		panic("retention: the embedded default policy is invalid: " + err.Error())
	}
	return p
})

// Default is the built-in policy the app uses when BWV_RETENTION_POLICY is empty.
func Default() *Policy { return defaultPolicy() }

// DefaultJSON returns the embedded default policy file, as a starting point for a force's own file.
func DefaultJSON() []byte { return append([]byte(nil), defaultPolicyJSON...) }
