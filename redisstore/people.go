package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/fleet"
)

// hashToken is how tokens are stored: only their SHA-256, so that a copy of
// the database holds no usable credential. Tokens carry 256 random bits, so
// a fast hash is enough; there is nothing to brute-force.
func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// tokenID is fleet.TokenID of the token whose hash is given: the store
// keeps no token, only its hash, and revokes by it.
func tokenID(hash string) string { return hash[:min(len(hash), 16)] }

// holderValue is what a token's key holds: who it stands for,
// "role:id", with ":inactive" after it while a coordinator has the account
// deactivated.
func holderValue(p heartlink.Principal) string {
	v := string(p.Role) + ":" + p.ID
	if p.Inactive {
		v += ":inactive"
	}
	return v
}

// parseHolder reads holderValue.
func parseHolder(v string) heartlink.Principal {
	role, rest, _ := strings.Cut(v, ":")
	id, flag, _ := strings.Cut(rest, ":")
	return heartlink.Principal{Role: heartlink.Role(role), ID: id, Inactive: flag == "inactive"}
}

// emitRevoked queues on p the notice that the token with hash no longer
// stands for holder, so that every instance closes the sockets opened with
// it. It is addressed to no client: the live channels act on it.
func (s *Store) emitRevoked(ctx context.Context, p redis.Pipeliner, holder heartlink.Principal, hash string) {
	data, _ := json.Marshal(fleet.Revocation{Role: holder.Role, ID: holder.ID, TokenID: tokenID(hash)})
	s.emit(ctx, p, fleet.ChangeRevoked, "sessions", data)
}

func mustCoordinator(by heartlink.Principal) error {
	if !by.Is(heartlink.RoleCoordinator) {
		return heartlink.Errorf(heartlink.EForbidden, "only coordinators may do this")
	}
	return nil
}

// Authenticate returns the caller behind token.
func (s *Store) Authenticate(ctx context.Context, token string) (heartlink.Principal, error) {
	if token == "" {
		return heartlink.Principal{}, heartlink.Errorf(heartlink.EUnauthorized, "a bearer token is required")
	}
	v, err := s.rdb.Get(ctx, s.keys.token(hashToken(token))).Result()
	if errors.Is(err, redis.Nil) {
		return heartlink.Principal{}, heartlink.Errorf(heartlink.EUnauthorized, "the token is not valid")
	}
	if err != nil {
		return heartlink.Principal{}, wrap(err, "authenticate")
	}
	return parseHolder(v), nil
}

// coordinatorTokenBefore finds the hash of the token of a coordinator
// registered before coordinators' tokens were kept beside them, so that
// rotating it revokes it: the first coordinator's is under admin:token,
// the others' only in the token key that names them. Rare, so a scan.
func (s *Store) coordinatorTokenBefore(ctx context.Context, id string) (string, error) {
	if id == adminID {
		h, err := s.rdb.Get(ctx, s.keys.adminToken()).Result()
		if errors.Is(err, redis.Nil) {
			return "", nil
		}
		return h, err
	}
	want := string(heartlink.RoleCoordinator) + ":" + id
	var cursor uint64
	for {
		keys, next, err := s.rdb.Scan(ctx, cursor, s.keys.token("*"), 1000).Result()
		if err != nil {
			return "", err
		}
		if len(keys) > 0 {
			vals, err := s.rdb.MGet(ctx, keys...).Result()
			if err != nil {
				return "", err
			}
			for i, v := range vals {
				if v == want {
					return strings.TrimPrefix(keys[i], s.keys.token("")), nil
				}
			}
		}
		if cursor = next; cursor == 0 {
			return "", nil
		}
	}
}

// EnsureAdmin makes sure the first coordinator exists. With a token given it
// is (re)bound to that token, and a token it had before stops working;
// without one, a token is generated the first time only and returned so the
// caller can print it once.
func (s *Store) EnsureAdmin(ctx context.Context, token string) (id string, generated string, err error) {
	id = adminID
	if token != "" {
		old, err := s.rdb.Get(ctx, s.keys.adminToken()).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return "", "", wrap(err, "ensure admin")
		}
		c := fleet.Coordinator{ID: id, Name: "Administrator", CreatedAt: s.now()}
		if err := s.saveCoordinator(ctx, c, token, false); err != nil {
			return "", "", err
		}
		if h := hashToken(token); old != h {
			_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
				if old != "" {
					p.Del(ctx, s.keys.token(old))
					s.emitRevoked(ctx, p, heartlink.Principal{Role: heartlink.RoleCoordinator, ID: id}, old)
				}
				p.Set(ctx, s.keys.adminToken(), h, 0)
				p.SetNX(ctx, s.keys.admin(), id, 0)
				return nil
			})
			if err != nil {
				return "", "", wrap(err, "ensure admin")
			}
		}
		return id, "", nil
	}
	// Only the first start of a fresh store generates a token: SETNX decides.
	ok, err := s.rdb.SetNX(ctx, s.keys.admin(), id, 0).Result()
	if err != nil {
		return "", "", wrap(err, "ensure admin")
	}
	if !ok {
		return id, "", nil
	}
	tok := newToken()
	c := fleet.Coordinator{ID: id, Name: "Administrator", CreatedAt: s.now()}
	if err := s.saveCoordinator(ctx, c, tok, true); err != nil {
		return "", "", err
	}
	if err := s.rdb.Set(ctx, s.keys.adminToken(), hashToken(tok), 0).Err(); err != nil {
		return "", "", wrap(err, "ensure admin")
	}
	return id, tok, nil
}

// adminID is the first coordinator's id.
const adminID = "crd_admin"

func (s *Store) saveCoordinator(ctx context.Context, c fleet.Coordinator, token string, fresh bool) error {
	b, _ := json.Marshal(c)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		if fresh {
			p.Set(ctx, s.keys.coordinator(c.ID), b, 0)
		} else {
			p.SetNX(ctx, s.keys.coordinator(c.ID), b, 0)
		}
		p.ZAdd(ctx, s.keys.coordinators(), redis.Z{Score: float64(ms(c.CreatedAt)), Member: c.ID})
		p.Set(ctx, s.keys.token(hashToken(token)), holderValue(heartlink.Principal{Role: heartlink.RoleCoordinator, ID: c.ID}), 0)
		p.Set(ctx, s.keys.tokenOf(heartlink.RoleCoordinator, c.ID), hashToken(token), 0)
		return nil
	})
	return wrap(err, "save coordinator")
}

// CreateCoordinator registers another coordinator.
func (s *Store) CreateCoordinator(ctx context.Context, by heartlink.Principal, name string) (*fleet.Coordinator, string, error) {
	if err := mustCoordinator(by); err != nil {
		return nil, "", err
	}
	if err := heartlink.ValidName("name", name); err != nil {
		return nil, "", err
	}
	c := fleet.Coordinator{ID: newID("crd"), Name: strings.TrimSpace(name), CreatedAt: s.now()}
	tok := newToken()
	if err := s.saveCoordinator(ctx, c, tok, true); err != nil {
		return nil, "", err
	}
	return &c, tok, nil
}

// CreateDriver registers a driver.
func (s *Store) CreateDriver(ctx context.Context, by heartlink.Principal, r fleet.DriverRegistration) (*fleet.Driver, string, error) {
	if err := mustCoordinator(by); err != nil {
		return nil, "", err
	}
	if err := r.Validate(); err != nil {
		return nil, "", err
	}
	d := &fleet.Driver{
		ID:             newID("drv"),
		Name:           strings.TrimSpace(r.Name),
		Phone:          strings.TrimSpace(r.Phone),
		Vehicle:        *r.Vehicle,
		VerifiedMinors: r.VerifiedMinors,
		Home:           *r.Home,
		Active:         true,
		Status:         fleet.Offline,
		CreatedAt:      s.now(),
	}
	d.Vehicle.Plate = strings.TrimSpace(d.Vehicle.Plate)
	tok := newToken()
	profile, _ := json.Marshal(d)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.keys.driver(d.ID),
			"profile", profile, "status", string(fleet.Offline),
			"seats", d.Vehicle.Seats, "wc", boolInt(d.Vehicle.Wheelchair), "vm", boolInt(d.VerifiedMinors),
			"hlat", d.Home.Lat, "hlng", d.Home.Lng)
		p.ZAdd(ctx, s.keys.drivers(), redis.Z{Score: float64(ms(d.CreatedAt)), Member: d.ID})
		p.GeoAdd(ctx, s.keys.geoHome(), &redis.GeoLocation{Name: d.ID, Longitude: d.Home.Lng, Latitude: d.Home.Lat})
		p.Set(ctx, s.keys.token(hashToken(tok)), holderValue(heartlink.Principal{Role: heartlink.RoleDriver, ID: d.ID}), 0)
		p.Set(ctx, s.keys.tokenOf(heartlink.RoleDriver, d.ID), hashToken(tok), 0)
		return nil
	})
	if err != nil {
		return nil, "", wrap(err, "create driver")
	}
	return d, tok, nil
}

// driverFields are the hash fields read back into a fleet.Driver.
var driverFields = []string{"profile", "status", "lat", "lng", "seen", "inactive"}

func decodeDriver(id string, v []any) (*fleet.Driver, error) {
	if v[0] == nil {
		return nil, heartlink.Errorf(heartlink.ENotFound, "no driver %q", id)
	}
	// The profile is read without heartlink.Point's strict decoding, which
	// is for what clients send: boards and offers read drivers all the time.
	var stored struct {
		fleet.Driver
		Home placeData `json:"home"`
	}
	if err := json.Unmarshal([]byte(v[0].(string)), &stored); err != nil {
		return nil, err
	}
	d := stored.Driver
	d.Home = heartlink.Point{Lat: stored.Home.Lat, Lng: stored.Home.Lng}
	d.Status = fleet.Presence(str(v[1]))
	if d.Status == fleet.Online {
		lat, _ := strconv.ParseFloat(str(v[2]), 64)
		lng, _ := strconv.ParseFloat(str(v[3]), 64)
		d.Location = &heartlink.Point{Lat: lat, Lng: lng}
	}
	seen, _ := strconv.ParseInt(str(v[4]), 10, 64)
	d.SeenAt = fromMs(seen)
	d.Active = str(v[5]) != "1" // drivers registered before deactivation existed are active
	return &d, nil
}

// Driver returns a driver by id.
func (s *Store) Driver(ctx context.Context, id string) (*fleet.Driver, error) {
	v, err := s.rdb.HMGet(ctx, s.keys.driver(id), driverFields...).Result()
	if err != nil {
		return nil, wrap(err, "driver")
	}
	d, err := decodeDriver(id, v)
	return d, wrap(err, "driver")
}

// Drivers lists every driver, oldest first.
func (s *Store) Drivers(ctx context.Context) ([]*fleet.Driver, error) {
	ids, err := s.rdb.ZRange(ctx, s.keys.drivers(), 0, -1).Result()
	if err != nil {
		return nil, wrap(err, "drivers")
	}
	cmds := make([]*redis.SliceCmd, len(ids))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HMGet(ctx, s.keys.driver(id), driverFields...)
		}
		return nil
	})
	if err != nil {
		return nil, wrap(err, "drivers")
	}
	out := make([]*fleet.Driver, 0, len(ids))
	for i, id := range ids {
		d, err := decodeDriver(id, cmds[i].Val())
		if err != nil {
			continue
		}
		out = append(out, d)
	}
	return out, nil
}

// SetPresence puts a driver online at a location, moving them in the geo
// index dispatch searches, or takes them offline. Going online needs a
// location: callers place a driver who sent none with u.Locate.
func (s *Store) SetPresence(ctx context.Context, driverID string, u fleet.PresenceUpdate) (*fleet.Driver, error) {
	if err := u.Validate(); err != nil {
		return nil, err
	}
	if u.Status == fleet.Online {
		if err := fleet.ValidPoint("location", u.Location); err != nil {
			return nil, err
		}
		inactive, err := s.rdb.HGet(ctx, s.keys.driver(driverID), "inactive").Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, wrap(err, "set presence")
		}
		if err := mustBeActive(inactive != "1", "driver"); err != nil {
			return nil, err
		}
	}
	now := s.now()
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		k := s.keys.driver(driverID)
		change := dispatch.DriverChange{DriverID: driverID, Status: string(u.Status)}
		if u.Status == fleet.Online {
			p.HSet(ctx, k, "status", string(fleet.Online), "lat", u.Location.Lat, "lng", u.Location.Lng, "seen", ms(now))
			p.GeoAdd(ctx, s.keys.geoLive(), &redis.GeoLocation{Name: driverID, Longitude: u.Location.Lng, Latitude: u.Location.Lat})
			change.Lat, change.Lng = u.Location.Lat, u.Location.Lng
		} else {
			p.HSet(ctx, k, "status", string(fleet.Offline), "seen", ms(now))
			p.ZRem(ctx, s.keys.geoLive(), driverID)
		}
		data, _ := json.Marshal(change)
		s.emit(ctx, p, dispatch.ChangeDriver, "board", data)
		return nil
	})
	if err != nil {
		return nil, wrap(err, "set presence")
	}
	if u.Status == fleet.Online {
		s.freed(ctx, driverID) // trips waiting near them are searched again
		s.nudge()              // queued trips may now find a driver
	}
	return s.Driver(ctx, driverID)
}

// CreateRequester registers a school, community or care station.
func (s *Store) CreateRequester(ctx context.Context, by heartlink.Principal, r fleet.RequesterRegistration) (*fleet.Requester, string, error) {
	if err := mustCoordinator(by); err != nil {
		return nil, "", err
	}
	if err := r.Validate(); err != nil {
		return nil, "", err
	}
	q := &fleet.Requester{ID: newID("req"), Name: strings.TrimSpace(r.Name), Kind: r.Kind, Phone: strings.TrimSpace(r.Phone),
		Active: true, CreatedAt: s.now()}
	tok := newToken()
	b := encodeRequester(q)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.keys.requester(q.ID), b, 0)
		p.ZAdd(ctx, s.keys.requesters(), redis.Z{Score: float64(ms(q.CreatedAt)), Member: q.ID})
		p.Set(ctx, s.keys.token(hashToken(tok)), holderValue(heartlink.Principal{Role: heartlink.RoleRequester, ID: q.ID}), 0)
		p.Set(ctx, s.keys.tokenOf(heartlink.RoleRequester, q.ID), hashToken(tok), 0)
		return nil
	})
	if err != nil {
		return nil, "", wrap(err, "create requester")
	}
	return q, tok, nil
}

// Requester returns a requester by id.
func (s *Store) Requester(ctx context.Context, id string) (*fleet.Requester, error) {
	b, err := s.rdb.Get(ctx, s.keys.requester(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, heartlink.Errorf(heartlink.ENotFound, "no requester %q", id)
	}
	if err != nil {
		return nil, wrap(err, "requester")
	}
	q, err := decodeRequester(b)
	return q, wrap(err, "requester")
}

// requesterData is a requester as stored: inactive rather than active, so
// that those registered before deactivation existed read as active.
type requesterData struct {
	fleet.Requester
	Inactive bool `json:"inactive,omitempty"`
}

func encodeRequester(q *fleet.Requester) []byte {
	b, _ := json.Marshal(requesterData{Requester: *q, Inactive: !q.Active})
	return b
}

func decodeRequester(b []byte) (*fleet.Requester, error) {
	var d requesterData
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, err
	}
	d.Requester.Active = !d.Inactive
	return &d.Requester, nil
}

// Requesters lists every requester, oldest first.
func (s *Store) Requesters(ctx context.Context) ([]*fleet.Requester, error) {
	ids, err := s.rdb.ZRange(ctx, s.keys.requesters(), 0, -1).Result()
	if err != nil || len(ids) == 0 {
		return nil, wrap(err, "requesters")
	}
	return s.requestersByID(ctx, ids)
}

// requestersByID reads the requesters ids name in one round trip, in their
// order, leaving out those not there.
func (s *Store) requestersByID(ctx context.Context, ids []string) ([]*fleet.Requester, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	ks := make([]string, len(ids))
	for i, id := range ids {
		ks[i] = s.keys.requester(id)
	}
	vals, err := s.rdb.MGet(ctx, ks...).Result()
	if err != nil {
		return nil, wrap(err, "requesters")
	}
	out := make([]*fleet.Requester, 0, len(vals))
	for _, v := range vals {
		if v == nil {
			continue
		}
		if q, err := decodeRequester([]byte(v.(string))); err == nil {
			out = append(out, q)
		}
	}
	return out, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// inactive reads whether a coordinator deactivated holder's account.
func (s *Store) inactive(ctx context.Context, c redis.Cmdable, holder heartlink.Principal) (bool, error) {
	switch holder.Role {
	case heartlink.RoleDriver:
		v, err := c.HGet(ctx, s.keys.driver(holder.ID), "inactive").Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return false, err
		}
		return v == "1", nil
	case heartlink.RoleRequester:
		b, err := c.Get(ctx, s.keys.requester(holder.ID)).Bytes()
		if errors.Is(err, redis.Nil) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		q, err := decodeRequester(b)
		if err != nil {
			return false, err
		}
		return !q.Active, nil
	}
	return false, nil
}

// RotateToken gives a driver, requester or coordinator a new token and
// revokes the one they had, e.g. when a phone is lost. Coordinators may
// rotate anyone's; a driver or requester their own.
func (s *Store) RotateToken(ctx context.Context, by heartlink.Principal, role heartlink.Role, id string) (string, error) {
	if !by.Is(heartlink.RoleCoordinator) && !(by.Role == role && by.ID == id) {
		return "", heartlink.Errorf(heartlink.EForbidden, "only coordinators may give someone else a new token")
	}
	holder := heartlink.Principal{Role: role, ID: id}
	var account string
	switch role {
	case heartlink.RoleDriver:
		if _, err := s.Driver(ctx, id); err != nil {
			return "", err
		}
		account = s.keys.driver(id)
	case heartlink.RoleRequester:
		if _, err := s.Requester(ctx, id); err != nil {
			return "", err
		}
		account = s.keys.requester(id)
	case heartlink.RoleCoordinator:
		n, err := s.rdb.Exists(ctx, s.keys.coordinator(id)).Result()
		if err != nil {
			return "", wrap(err, "rotate token")
		}
		if n == 0 {
			return "", heartlink.Errorf(heartlink.ENotFound, "no coordinator %q", id)
		}
	default:
		return "", heartlink.Errorf(heartlink.EInvalid, "no such role %q", role)
	}
	holderKey := s.keys.tokenOf(role, id)
	tok := newToken()
	// Optimistic: two rotations at once must not leave two tokens working,
	// and an account deactivated meanwhile must not get an unmarked token.
	watched := []string{holderKey}
	if account != "" {
		watched = append(watched, account)
	}
	err := s.rdb.Watch(ctx, func(tx *redis.Tx) error {
		old, err := tx.Get(ctx, holderKey).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return err
		}
		if holder.Inactive, err = s.inactive(ctx, tx, holder); err != nil {
			return err
		}
		if old == "" && role == heartlink.RoleCoordinator {
			if old, err = s.coordinatorTokenBefore(ctx, id); err != nil {
				return err
			}
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			if role == heartlink.RoleCoordinator && id == adminID {
				// A restart with HEARTLINK_ADMIN_TOKEN set compares with
				// this, and so revokes the rotated token in turn.
				p.Set(ctx, s.keys.adminToken(), hashToken(tok), 0)
			}
			if old != "" {
				p.Del(ctx, s.keys.token(old))
				// In the same transaction: no instance can miss that sockets
				// opened with the old token must close.
				s.emitRevoked(ctx, p, heartlink.Principal{Role: role, ID: id}, old)
			}
			p.Set(ctx, s.keys.token(hashToken(tok)), holderValue(holder), 0)
			p.Set(ctx, holderKey, hashToken(tok), 0)
			return nil
		})
		return err
	}, watched...)
	if errors.Is(err, redis.TxFailedErr) {
		return "", heartlink.Errorf(heartlink.EConflict, "the token is being changed; try again")
	}
	if err != nil {
		return "", wrap(err, "rotate token")
	}
	return tok, nil
}
