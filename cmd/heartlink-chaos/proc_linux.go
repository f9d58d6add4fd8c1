package main

import (
	"os/exec"
	"syscall"
)

// detach puts the child in a process group of its own, so that whatever
// it starts dies with it (killGroup), and has the kernel kill it should
// this tool die first: a run never leaves a process behind.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killGroup sends SIGKILL to the child's whole process group, as a crash
// or the OOM killer would: nothing gets to shut down cleanly.
func killGroup(cmd *exec.Cmd) error {
	return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}

// supported says whether the tool can run here.
func supported() error { return nil }
