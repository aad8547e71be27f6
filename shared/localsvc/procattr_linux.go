package localsvc

import "syscall"

// childAttr puts the child in its own process group (so Stop can signal the
// whole group) and asks the kernel to kill it if this process dies first.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
