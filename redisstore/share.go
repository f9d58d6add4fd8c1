package redisstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
)

// maxShares is how many guardian links one trip may have over its life:
// enough for a family and then some; revoking them all starts again.
const maxShares = 20

// shareTokenPrefix starts every guardian link token.
const shareTokenPrefix = "gl_"

// newShareToken returns a guardian link token: 32 random bytes, 256 bits.
func newShareToken() string {
	var b [32]byte
	rand.Read(b[:])
	return shareTokenPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// shareHash is what a guardian link is stored under: the token's SHA-256,
// so that what Redis holds (or a dump of it) opens no link.
func shareHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// wellFormedShare reports whether token could be one of ours, so that
// garbage costs no round trip.
func wellFormedShare(token string) bool {
	return len(token) == len(shareTokenPrefix)+52 && strings.HasPrefix(token, shareTokenPrefix)
}

// Share makes a guardian link to trip tripID for its requester or a
// coordinator: the link and its token, which is shown once and kept only
// hashed. A trip already over is a conflict.
func (s *Store) Share(ctx context.Context, by heartlink.Principal, tripID string) (dispatch.ShareLink, string, error) {
	t, err := s.load(ctx, tripID)
	if err != nil {
		return dispatch.ShareLink{}, "", err
	}
	if err := dispatch.MayShare(t, by); err != nil {
		return dispatch.ShareLink{}, "", err
	}
	now := s.now().Truncate(time.Millisecond) // as stored
	sp := s.policy.Share
	if err := sp.CanShare(t, now); err != nil {
		return dispatch.ShareLink{}, "", err
	}
	tok := newShareToken()
	hash := shareHash(tok)
	l := dispatch.ShareLink{ID: newID("shr"), TripID: t.ID, CreatedBy: by.String(), CreatedAt: now, ExpiresAt: sp.Expiry(t, now)}
	// The keys outlive the link by a minute, so that a read on the edge
	// finds it and answers from its expiry rather than by chance.
	ttl := l.ExpiresAt.Sub(now) + time.Minute
	res, err := s.scripts.shareMake.Run(ctx, s.rdb,
		[]string{s.keys.share(hash), s.keys.tripShares(t.ID), s.keys.tripAudit(t.ID)},
		l.ID, hash, t.ID, l.CreatedBy, ms(now), ms(l.ExpiresAt), ttl.Milliseconds(), string(t.Status), maxShares).Text()
	if err != nil {
		return dispatch.ShareLink{}, "", wrap(err, "share")
	}
	if res == "full" {
		return dispatch.ShareLink{}, "", heartlink.Errorf(heartlink.EConflict, "trip %q has had %d guardian links: revoke them all to make new ones", t.ID, maxShares)
	}
	s.log.Info("guardian link made", "trip", t.ID, "link", l.ID, "by", l.CreatedBy, "token", tok[:len(shareTokenPrefix)+4]+"…")
	return l, tok, nil
}

// Unshare revokes the guardian links of trip tripID: every one, or the
// one named by linkID. It returns how many it revoked; a link named that
// the trip does not have is ENotFound.
func (s *Store) Unshare(ctx context.Context, by heartlink.Principal, tripID, linkID string) (int, error) {
	t, err := s.load(ctx, tripID)
	if err != nil {
		return 0, err
	}
	if err := dispatch.MayShare(t, by); err != nil {
		return 0, err
	}
	for range 5 {
		links, err := s.rdb.HGetAll(ctx, s.keys.tripShares(t.ID)).Result()
		if err != nil {
			return 0, wrap(err, "unshare")
		}
		mode := "all"
		if linkID != "" {
			hash, ok := links[linkID]
			if !ok {
				return 0, heartlink.Errorf(heartlink.ENotFound, "trip %q has no guardian link %q", t.ID, linkID)
			}
			links, mode = map[string]string{linkID: hash}, "one"
		}
		keys := []string{s.keys.tripShares(t.ID), s.keys.tripAudit(t.ID)}
		args := []any{ms(s.now()), by.String(), string(t.Status), mode}
		for id, hash := range links {
			keys = append(keys, s.keys.share(hash))
			args = append(args, id)
		}
		n, err := s.scripts.shareRevoke.Run(ctx, s.rdb, keys, args...).Int()
		if err != nil {
			return 0, wrap(err, "unshare")
		}
		if n >= 0 {
			if n > 0 {
				s.log.Info("guardian links revoked", "trip", t.ID, "links", n, "by", by.String())
			}
			return n, nil
		}
	}
	return 0, heartlink.Errorf(heartlink.EConflict, "links of trip %q are being made as they are revoked: try again", t.ID)
}

// errNoShare is every failure to find a working link: unknown, revoked
// and expired read the same, so that the answer tells a guesser nothing.
var errNoShare = heartlink.Errorf(heartlink.ENotFound, "no such guardian link: it may have expired or been revoked")

// Shared is the trip a guardian link shows, as a family may see it;
// anyone holding the token may read it. A link unknown, revoked or past
// its time is ENotFound.
func (s *Store) Shared(ctx context.Context, token string) (dispatch.GuardianView, error) {
	if !wellFormedShare(token) {
		return dispatch.GuardianView{}, errNoShare
	}
	h, err := s.rdb.HGetAll(ctx, s.keys.share(shareHash(token))).Result()
	if err != nil {
		return dispatch.GuardianView{}, wrap(err, "shared")
	}
	if len(h) == 0 {
		return dispatch.GuardianView{}, errNoShare
	}
	exp, _ := strconv.ParseInt(h["expires"], 10, 64)
	l := dispatch.ShareLink{ID: h["id"], TripID: h["trip"], ExpiresAt: fromMs(exp)}
	trips, _, err := s.TripsAndDrivers(ctx, []string{l.TripID}, nil)
	if err != nil {
		return dispatch.GuardianView{}, err
	}
	t := trips[l.TripID]
	if t == nil {
		return dispatch.GuardianView{}, errNoShare
	}
	until := s.policy.Share.Until(l, t)
	if !s.now().Before(until) {
		return dispatch.GuardianView{}, errNoShare
	}
	var d *dispatch.Driving
	if t.DriverID != "" {
		drv, err := s.Driver(ctx, t.DriverID)
		switch {
		case err == nil:
			d = &dispatch.Driving{Name: drv.Name, Plate: drv.Vehicle.Plate, Location: drv.Location, SeenAt: drv.SeenAt}
		case !errors.Is(err, redis.Nil) && heartlink.ErrorCode(err) != heartlink.ENotFound:
			return dispatch.GuardianView{}, err
		}
	}
	return dispatch.GuardianViewOf(t, d, until), nil
}
