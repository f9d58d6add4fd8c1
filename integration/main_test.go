package integration

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heartlink/heartlink/internal/redistest"
)

// binary is the heartlink executable that TestMain built for this run.
var binary string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

// runMain builds the binary once, so that every test starts the very program
// users run, and removes it afterwards.
func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "heartlink-integration-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		return 1
	}
	binary = filepath.Join(dir, "heartlink")
	build := exec.Command("go", "build", "-o", binary, "./cmd/heartlink")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "integration: go build ./cmd/heartlink: %v\n%s", err, out)
		return 1
	}
	code := redistest.Run(m) // and stop the shared Redis Cluster, if a test started it
	// Run whole, the suite must call every operation of the document.
	whole := flag.Lookup("test.run").Value.String() == "" && flag.Lookup("test.skip").Value.String() == "" && !testing.Short()
	if !openAPI.report(os.Stderr, whole) && code == 0 {
		fmt.Fprintln(os.Stderr, "FAIL: the suite's traffic does not match httpapi/openapi.json, or leaves some of it unchecked")
		code = 1
	}
	return code
}

// moduleRoot asks the go command where go.mod is, so that the suite works
// from any working directory.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not inside a Go module")
	}
	return filepath.Dir(gomod), nil
}
