//go:build unix && !linux

package localsvc

import "syscall"

// childAttr puts the child in its own process group so Stop can signal the
// whole group. (No Pdeathsig outside Linux.)
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
