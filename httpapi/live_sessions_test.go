package httpapi

import (
	"testing"
	"time"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/fleet"
)

func TestSessionsCapAndRevoke(t *testing.T) {
	ss := newSessions()
	now := time.Date(2027, 6, 7, 8, 0, 0, 0, time.UTC)
	drv := heartlink.Principal{Role: heartlink.RoleDriver, ID: "drv_a"}
	oldTok, newTok := fleet.TokenID("hl_old"), fleet.TokenID("hl_new")
	a := &session{by: drv, tokenID: oldTok}
	b := &session{by: drv, tokenID: oldTok}
	if err := ss.join(a, 2); err != nil {
		t.Fatalf("join(first) = %v; want nil", err)
	}
	if err := ss.join(b, 2); err != nil {
		t.Fatalf("join(second) = %v; want nil", err)
	}
	if err := ss.join(&session{by: drv, tokenID: oldTok}, 2); heartlink.ErrorCode(err) != heartlink.ERateLimited {
		t.Fatalf("join(third of two) = %v; want rate_limited", err)
	}
	if err := ss.join(&session{by: heartlink.Principal{Role: heartlink.RoleDriver, ID: "drv_b"}}, 2); err != nil {
		t.Fatalf("join(another driver) = %v; want nil", err)
	}
	ss.attach(a, nil) // a socket open; b still being upgraded

	if n := ss.revoke(fleet.Revocation{Role: drv.Role, ID: drv.ID, TokenID: oldTok}, now); n != 2 {
		t.Fatalf("revoke = %d sockets; want 2", n)
	}
	if ss.attach(b, nil) {
		t.Errorf("attach after the token was revoked = true; want false: the socket must close")
	}
	if err := ss.join(&session{by: drv, tokenID: oldTok}, 0); heartlink.ErrorCode(err) != heartlink.EUnauthorized {
		t.Errorf("join with a token revoked a moment ago = %v; want unauthorized", err)
	}
	ss.leave(a)
	ss.leave(b)
	fresh := &session{by: drv, tokenID: newTok}
	if err := ss.join(fresh, 2); err != nil {
		t.Fatalf("join with the new token = %v; want nil", err)
	}
	if !ss.attach(fresh, nil) {
		t.Errorf("attach with the new token = false; want true")
	}
	// A minute on, the revoked token is forgotten (it no longer
	// authenticates anyway).
	ss.revoke(fleet.Revocation{Role: drv.Role, ID: "drv_c", TokenID: fleet.TokenID("hl_c")}, now.Add(2*revokedFor))
	if _, ok := ss.revoked[oldTok]; ok {
		t.Errorf("a token revoked %s ago is still remembered", 2*revokedFor)
	}
}
