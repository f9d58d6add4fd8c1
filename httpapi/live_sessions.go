package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/fleet"
	"github.com/heartlink/heartlink/realtime"
)

// CloseRevoked is the close code of a socket whose token was rotated (a
// lost phone): the client must sign in again with the new token; resuming
// with the old one is refused.
const CloseRevoked = 4401

const revokedReason = "token revoked: sign in again with the new token"

// DefaultPerAccount is how many live sockets one driver or requester may
// hold at once when LiveConfig.PerAccount is zero. A coordinator may hold
// ten times as many: a fleet office may share one token on many screens.
const DefaultPerAccount = 5

// socketLease is how long a socket counts against its account's cap on
// all instances unless its instance renews it, which it does three times
// a lease: the sockets of an instance that died free their places within
// it.
const socketLease = time.Minute

// revokedFor is how long a revoked token is remembered, for a socket that
// authenticated with it just before the revocation and joins just after.
const revokedFor = time.Minute

// sessions are this instance's live sockets by account: to cap how many one
// account holds, and to close those opened with a token once it is
// revoked. The zero value is not usable; call newSessions.
type sessions struct {
	instance string        // names this instance in socket ids
	serial   atomic.Uint64 // numbers this instance's sockets

	mu       sync.Mutex // mu guards byHolder, revoked and each session's c and gone
	byHolder map[heartlink.Principal]map[*session]struct{}
	revoked  map[string]time.Time // recently revoked token ids, and when they were
}

func newSessions() *sessions {
	var b [6]byte
	rand.Read(b[:])
	return &sessions{instance: hex.EncodeToString(b[:]),
		byHolder: make(map[heartlink.Principal]map[*session]struct{}), revoked: make(map[string]time.Time)}
}

// newID names a socket uniquely across instances.
func (ss *sessions) newID() string {
	return ss.instance + "-" + strconv.FormatUint(ss.serial.Add(1), 10)
}

// open lists the ids of the sockets held here, by account.
func (ss *sessions) open() map[heartlink.Principal][]string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	out := make(map[heartlink.Principal][]string, len(ss.byHolder))
	for holder, mine := range ss.byHolder {
		for s := range mine {
			out[holder] = append(out[holder], s.id)
		}
	}
	return out
}

// join counts s in for its account, before its socket is upgraded, unless
// the account holds limit sockets already or s's token has just been
// revoked.
func (ss *sessions) join(s *session, limit int) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if _, ok := ss.revoked[s.tokenID]; ok {
		return heartlink.Errorf(heartlink.EUnauthorized, "the token is not valid")
	}
	mine := ss.byHolder[s.by]
	if limit > 0 && len(mine) >= limit {
		return heartlink.Errorf(heartlink.ERateLimited, "at most %d live connections per account; close one first", limit)
	}
	if mine == nil {
		mine = make(map[*session]struct{}, 1)
		ss.byHolder[s.by] = mine
	}
	mine[s] = struct{}{}
	return nil
}

// attach gives s its connection once upgraded, and reports false when s's
// token was revoked meanwhile: then the connection must close.
func (ss *sessions) attach(s *session, c *realtime.Conn) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s.c = c
	return !s.gone
}

// leave counts s out.
func (ss *sessions) leave(s *session) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	mine := ss.byHolder[s.by]
	delete(mine, s)
	if len(mine) == 0 {
		delete(ss.byHolder, s.by)
	}
}

// revoke closes every socket opened with the token r names, and refuses
// the token to sockets that join within revokedFor.
func (ss *sessions) revoke(r fleet.Revocation, now time.Time) int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for id, at := range ss.revoked {
		if now.Sub(at) > revokedFor {
			delete(ss.revoked, id)
		}
	}
	ss.revoked[r.TokenID] = now
	n := 0
	for s := range ss.byHolder[r.Holder()] {
		if s.tokenID != r.TokenID {
			continue
		}
		s.gone = true
		if s.c != nil {
			s.c.Close(CloseRevoked, revokedReason) // never blocks
		}
		n++
	}
	return n
}

// join counts s in on this instance and, with Sockets set, on all of them
// together; it answers whether s may go on.
func (l *live) join(ctx context.Context, s *session) error {
	limit := l.perAccount(s.by.Role)
	if err := l.sessions.join(s, limit); err != nil {
		return err
	}
	if l.cfg.Sockets == nil || limit == 0 {
		return nil
	}
	ok, err := l.cfg.Sockets.OpenSocket(ctx, s.by, s.id, limit, socketLease)
	if err != nil {
		// Like the rate limiter: Redis out of reach shows in /readyz, not
		// as refused sockets; this instance's own cap still holds.
		l.log.Warn("live: count socket", "err", err)
		return nil
	}
	if !ok {
		l.sessions.leave(s)
		return heartlink.Errorf(heartlink.ERateLimited, "at most %d live connections per account; close one first", limit)
	}
	return nil
}

// leave counts s out everywhere.
func (l *live) leave(s *session) {
	l.sessions.leave(s)
	if l.cfg.Sockets == nil || l.perAccount(s.by.Role) == 0 {
		return
	}
	// The socket's context has ended; the count must still go.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := l.cfg.Sockets.CloseSocket(ctx, s.by, s.id); err != nil {
		l.log.Debug("live: uncount socket; its lease will end", "err", err)
	}
}

// keepSockets renews the leases of this instance's sockets until ctx ends.
func (l *live) keepSockets(ctx context.Context) {
	t := time.NewTicker(socketLease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := l.cfg.Sockets.KeepSockets(ctx, l.sessions.open(), socketLease); err != nil && ctx.Err() == nil {
				l.log.Warn("live: renew socket leases", "err", err)
			}
		}
	}
}

// revoke acts on a revocation from the change stream, whichever instance
// rotated the token.
func (l *live) revoke(c dispatch.Change) {
	var r fleet.Revocation
	if err := json.Unmarshal(c.Data, &r); err != nil || r.TokenID == "" {
		l.log.Warn("live: unreadable revocation", "change", c.ID)
		return
	}
	if n := l.sessions.revoke(r, l.s.cfg.Clock.Now()); n > 0 {
		l.log.Info("live: closed the sockets of a revoked token", "holder", r.Holder().String(), "sockets", n)
	}
}

// perAccount is how many sockets an account of role may hold at once.
func (l *live) perAccount(role heartlink.Role) int {
	n := l.cfg.PerAccount
	if n == 0 {
		n = DefaultPerAccount
	}
	if n < 0 {
		return 0
	}
	if role == heartlink.RoleCoordinator {
		return 10 * n
	}
	return n
}
