//go:build unix

package devhost

import "syscall"

// handlerSysProcAttr puts the handler in its own process group, so stopping it
// also stops anything it started, and (on Linux) kills it if the host dies.
func handlerSysProcAttr() *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true}
	setParentDeathSignal(a)
	return a
}

func signalGroup(pid int, sig syscall.Signal) error {
	if err := syscall.Kill(-pid, sig); err != nil {
		return syscall.Kill(pid, sig)
	}
	return nil
}
