package localsvc_test

import (
	"os/exec"
	"path/filepath"
	"strconv"
)

func itoa(i int) string { return strconv.Itoa(i) }

// execNode runs node on a script in the tools directory and returns its output.
func execNode(tools, script string, args ...string) (string, error) {
	cmd := exec.Command("node", append([]string{filepath.Join(tools, script)}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}
