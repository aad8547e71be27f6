package retention

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// LoadFile reads and validates a policy file (the BWV_RETENTION_POLICY app setting). Errors are *PolicyError,
// with File set to path.
func LoadFile(path string) (*Policy, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &PolicyError{Code: CodeUnreadable, File: path, Path: "$", Message: fmt.Sprintf("cannot open the policy file: %v", err), Err: err}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxPolicyBytes+1))
	if err != nil {
		return nil, &PolicyError{Code: CodeUnreadable, File: path, Path: "$", Message: fmt.Sprintf("cannot read the policy file: %v", err), Err: err}
	}
	p, err := Parse(data)
	if err != nil {
		var pe *PolicyError
		if errors.As(err, &pe) {
			pe.File = path
		}
		return nil, err
	}
	return p, nil
}
