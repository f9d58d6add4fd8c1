package redisstore

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/heartlink/heartlink"
)

// TicketTTL is how long a websocket ticket may wait to be used.
const TicketTTL = 30 * time.Second

// IssueTicket returns a one-time ticket that stands for by when opening a
// websocket from a browser, which cannot set an Authorization header. Only
// its hash is stored; it works once, within TicketTTL, and only while
// token, the bearer token it was asked for with, still works.
func (s *Store) IssueTicket(ctx context.Context, by heartlink.Principal, token string) (string, time.Time, error) {
	t := "tk_" + strings.TrimPrefix(newToken(), "hl_")
	exp := s.now().Add(TicketTTL)
	if err := s.rdb.Set(ctx, s.keys.ticket(hashToken(t)), by.String()+" "+hashToken(token), TicketTTL).Err(); err != nil {
		return "", time.Time{}, wrap(err, "issue ticket")
	}
	return t, exp, nil
}

// RedeemTicket spends a ticket and returns whom it stands for, with the
// fleet.TokenID of the token it was issued under. A ticket issued under a
// token that has since been rotated is refused like a spent one.
func (s *Store) RedeemTicket(ctx context.Context, ticket string) (heartlink.Principal, string, error) {
	refused := heartlink.Errorf(heartlink.EUnauthorized, "the ticket is not valid, already used or expired")
	v, err := s.rdb.GetDel(ctx, s.keys.ticket(hashToken(ticket))).Result()
	if errors.Is(err, redis.Nil) {
		return heartlink.Principal{}, "", refused
	}
	if err != nil {
		return heartlink.Principal{}, "", wrap(err, "redeem ticket")
	}
	who, hash, ok := strings.Cut(v, " ")
	if !ok {
		return heartlink.Principal{}, "", refused // issued before tickets named their token
	}
	holder, err := s.rdb.Get(ctx, s.keys.token(hash)).Result()
	if errors.Is(err, redis.Nil) || err == nil && holder != who {
		return heartlink.Principal{}, "", heartlink.Errorf(heartlink.EUnauthorized, "the ticket was issued under a token that no longer works")
	}
	if err != nil {
		return heartlink.Principal{}, "", wrap(err, "redeem ticket")
	}
	return parseHolder(who), tokenID(hash), nil
}

// replyTTL is how long the answer to a live request is kept, so that a
// client repeating a request_id (after a reconnect, say) gets the same
// answer and the action is not repeated.
const replyTTL = 10 * time.Minute

// ReplyPending is how long a live request's request_id stays marked "being
// answered" before its answer is kept. A live request (an accept, a
// decline) is one or two round trips, bounded by the per-call timeout; an
// instance that dies mid-request leaves the mark, and a repeat runs the
// request again once it lapses, seconds later, not after replyTTL.
const ReplyPending = 5 * time.Second

// replyWrite bounds the keeping of an answer, well within ReplyPending.
const replyWrite = 2 * time.Second

// Once runs do at most once for key within replyTTL and returns its answer;
// a repeat gets the stored answer. A repeat that arrives while the first
// is still running waits for it, briefly. An answer do does not want kept
// (keep false: a passing internal failure) is not: a repeat tries again.
// The answer is returned as soon as do gives it, and kept meanwhile: an
// accept is acknowledged after its own round trip, not one more.
func (s *Store) Once(ctx context.Context, key string, do func() (answer []byte, keep bool)) ([]byte, error) {
	k := s.keys.reply(key)
	ok, err := s.rdb.SetNX(ctx, k, "", ReplyPending).Result()
	if err != nil {
		return nil, wrap(err, "reply")
	}
	if !ok {
		return s.awaitReply(ctx, k)
	}
	answer, keep := do()
	s.keepReply(ctx, k, answer, keep)
	return answer, nil
}

// OnceWithin is Once for a request whose own first step marks key "being
// answered" (an accept, a decline): the mark rides in do's context, costs
// no round trip of its own, and a repeat finds it as with Once. do must
// make that step before anything it would not repeat; a do that fails
// before it (bad input) is answered and not kept, as if without a key.
func (s *Store) OnceWithin(ctx context.Context, key string, do func(context.Context) (answer []byte, keep bool)) ([]byte, error) {
	m := &replyMark{key: s.keys.reply(key)}
	answer, keep := do(context.WithValue(ctx, replyMarkKey{}, m))
	switch m.state {
	case markRepeat:
		return s.awaitReply(ctx, m.key)
	case markHeld:
		s.keepReply(ctx, m.key, answer, keep)
	}
	return answer, nil
}

// keepReply keeps the answer under the mark k, or, when it is not to be
// kept, drops the mark so that a repeat runs again.
func (s *Store) keepReply(ctx context.Context, k string, answer []byte, keep bool) {
	// The caller's context may end with its connection; the answer must
	// still be kept (or the reservation released) for the repeat.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), replyWrite)
	if !keep {
		// The mark goes now, or with ReplyPending if Redis is away.
		s.rdb.Del(ctx, k)
		cancel()
		return
	}
	// The answer goes to the caller without waiting for it to be kept:
	// a repeat meanwhile finds the mark and waits for it below, and if
	// it is never kept (this instance died, Redis went away) the mark
	// lapses and a repeat runs again, as after a crash mid-request.
	go func() {
		defer cancel()
		if err := s.rdb.Set(ctx, k, answer, replyTTL).Err(); err != nil {
			s.log.Warn("keep a live answer", "err", err)
		}
	}()
}

// awaitReply waits, briefly, for the answer of a request found marked.
func (s *Store) awaitReply(ctx context.Context, k string) ([]byte, error) {
	for range 50 {
		v, err := s.rdb.Get(ctx, k).Bytes()
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, wrap(err, "reply")
		}
		if len(v) > 0 {
			return v, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil, heartlink.Errorf(heartlink.EConflict, "the same request is still being answered; send it again in %s", ReplyPending)
}

// replyMark is a live request's reply key, for its first step to mark.
type replyMark struct {
	key   string
	state markState
}

type markState int

const (
	markUnused markState = iota // no step has taken it yet
	markHeld                    // a step marked it: the request is this one's to answer
	markRepeat                  // a step found it marked: the request is a repeat
)

type replyMarkKey struct{}

// errRepeat is what a step that found its request's mark returns; OnceWithin
// answers with the first answer instead.
var errRepeat = heartlink.Errorf(heartlink.EConflict, "the same request is being answered")

// first is a script's first reply, its outcome.
func first(res []string) string {
	if len(res) == 0 {
		return ""
	}
	return res[0]
}

// takeMark appends to keys and args the reply mark of ctx's live request,
// if it has one no step has taken yet, and returns it: the step's script
// marks it first (reserve_reply in lib.lua), and the caller records the
// outcome with settle.
func takeMark(ctx context.Context, keys []string, args []any) ([]string, []any, *replyMark) {
	m, _ := ctx.Value(replyMarkKey{}).(*replyMark)
	if m == nil || m.state != markUnused {
		return keys, args, nil
	}
	return append(keys, m.key), append(args, ReplyPending.Milliseconds()), m
}

// settle records what the step that took m found: res is its script's
// first reply, "repeat" when the request was there already. A step that
// failed (Redis away, a timeout) may or may not have marked it: it counts
// as held, so that the failure, which is not kept, drops the mark.
func (m *replyMark) settle(res string, err error) error {
	if m == nil {
		return err
	}
	if err == nil && res == "repeat" {
		m.state = markRepeat
		return errRepeat
	}
	m.state = markHeld
	return err
}
