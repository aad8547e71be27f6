package localsvc

import "syscall"

// childAttr puts the child in its own process group (so Stop can signal the
// whole group) and asks the kernel to kill it if this process dies first.
// (Pdeathsig fires when the starting OS thread exits; the Go runtime keeps its
// threads unless a goroutine exits while locked to one, which callers of this
// package do not do.)
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
