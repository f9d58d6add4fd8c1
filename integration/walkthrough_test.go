package integration

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadmeWalkthrough runs the README's walkthrough as a newcomer pastes
// it, against a fresh server on the embedded store: every command must
// answer without an error, and the trip must end completed.
func TestReadmeWalkthrough(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "python3", "date"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the walkthrough needs %s, which is not installed", tool)
		}
	}
	if out, err := exec.Command("date", "-u", "-d", "+50 min").CombinedOutput(); err != nil {
		t.Skipf("the walkthrough's date is GNU date's: %v %s", err, out)
	}
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	m := regexp.MustCompile("(?s)## Walkthrough\n.*?```sh\n(.*?)```").FindSubmatch(readme)
	require.NotNil(t, m, "README.md has a Walkthrough section with a sh block")
	script := string(m[1])
	const token = "export ADMIN=admin-token-change-me-0123"
	require.Contains(t, script, token, "the walkthrough names the token to start the server with")
	script = strings.Replace(script, token, "export ADMIN="+adminToken, 1)

	srv := startServer(t, embedded())
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	cmd.Env = append(os.Environ(), "HL="+srv.URL)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "the walkthrough stopped:\n%s", out)
	assert.NotContains(t, string(out), `"error"`, "a step of the walkthrough was refused:\n%s", out)
	assert.Contains(t, string(out), `"to":"completed"`, "the trip ends completed:\n%s", out)
}
