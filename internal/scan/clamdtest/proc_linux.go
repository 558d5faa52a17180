package clamdtest

import "syscall"

// dieWithParent has the kernel stop clamd when the test process exits.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
