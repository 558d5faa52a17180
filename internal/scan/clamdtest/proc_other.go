//go:build !linux

package clamdtest

import "syscall"

// dieWithParent has no portable equivalent outside Linux; Stop, run by the
// test's cleanup, stops clamd there.
func dieWithParent() *syscall.SysProcAttr { return nil }
