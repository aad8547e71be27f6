//go:build unix && !linux

package devhost

import "syscall"

func setParentDeathSignal(*syscall.SysProcAttr) {}
