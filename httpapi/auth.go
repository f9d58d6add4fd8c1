package httpapi

import (
	"context"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/heartlink/heartlink"
)

type principalKey struct{}

// principal returns the caller that auth put in the request's context.
func principal(r *http.Request) heartlink.Principal {
	p, _ := r.Context().Value(principalKey{}).(heartlink.Principal)
	return p
}

// BearerToken returns the token of an "Authorization: Bearer" header.
func BearerToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// auth authenticates the caller and applies the rate limits: per client
// address before the token is looked up, so guessing tokens is slow, then
// per caller.
func (s *Server) auth(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l := s.cfg.Limits
		if !s.allow(w, r, "addr:"+s.clientAddr(r), l.PerAddress, l.PerAddressBurst) {
			return
		}
		if err := s.refuse(r.Method != http.MethodGet && r.Method != http.MethodHead); err != nil {
			s.error(w, r, err)
			return
		}
		p, err := s.cfg.Fleet.Authenticate(r.Context(), BearerToken(r))
		if err != nil {
			if heartlink.ErrorCode(err) == heartlink.EUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="heartlink"`)
			}
			s.error(w, r, err)
			return
		}
		if !s.allow(w, r, "caller:"+p.String(), l.PerToken, l.PerTokenBurst) {
			return
		}
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

// refuse is Config.Refuse's answer, nil without one. It comes before the
// token is looked up: a store that lost its data has lost the tokens too,
// and every caller would be told 401.
func (s *Server) refuse(write bool) error {
	if s.cfg.Refuse == nil {
		return nil
	}
	return s.cfg.Refuse(write)
}

// allow applies one limit and answers 429 when it is exceeded. A limiter
// that fails lets the request through: Redis being down shows in /readyz
// and in the request itself, not as a wall of 429s.
func (s *Server) allow(w http.ResponseWriter, r *http.Request, key string, rate, burst int) bool {
	if rate <= 0 || s.cfg.Limiter == nil {
		return true
	}
	ok, retry, err := s.cfg.Limiter.Allow(r.Context(), key, rate, max(burst, rate))
	if err != nil {
		s.log.Warn("rate limiter", "err", err)
		return true
	}
	if !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(max(retry, time.Second).Seconds()))))
		s.error(w, r, heartlink.Errorf(heartlink.ERateLimited, "too many requests; retry after %s", retry.Round(time.Millisecond)))
		return false
	}
	return true
}

// clientAddr is the address a request comes from, for the per-address
// limit: the peer's, unless the peer is a trusted proxy (Config.
// TrustedProxies). Then X-Forwarded-For is read from the right, each proxy
// having appended the address it heard from, and the first address that is
// not a trusted proxy is the client's; what lies left of it was written by
// the client and is not believed.
func (s *Server) clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !s.trusted(peer) {
		return host
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		list := strings.Split(hops[i], ",")
		for j := len(list) - 1; j >= 0; j-- {
			a, err := netip.ParseAddr(strings.TrimSpace(list[j]))
			if err != nil {
				return peer.String() // garbage: the last proxy is all we know
			}
			a = a.Unmap()
			if !s.trusted(a) {
				return a.String()
			}
			peer = a
		}
	}
	return peer.String()
}

// trusted reports whether a is one of the trusted proxies.
func (s *Server) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// must refuses callers of any other role.
func must(p heartlink.Principal, roles ...heartlink.Role) error {
	for _, r := range roles {
		if p.Role == r {
			return nil
		}
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r) + "s"
	}
	return heartlink.Errorf(heartlink.EForbidden, "only %s may do this", strings.Join(names, " and "))
}
