package integration

import (
	"os/exec"
	"syscall"
)

// setDeathSignal makes a server die with the test binary, so that a test
// that panics or times out leaves no heartlink process behind.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
