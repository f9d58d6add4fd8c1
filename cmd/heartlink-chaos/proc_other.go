//go:build !linux

package main

import (
	"errors"
	"os/exec"
)

func detach(*exec.Cmd) {}

func killGroup(cmd *exec.Cmd) error { return cmd.Process.Kill() }

// supported says whether the tool can run here: it relies on Linux's
// process groups and parent-death signal to leave nothing behind.
func supported() error { return errors.New("heartlink-chaos runs on Linux only") }
