package httpapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/heartlink/heartlink"
)

// Idempotency keeps the answers given under Idempotency-Key headers.
type Idempotency interface {
	// ReserveKey takes scope's key for a request with fingerprint fp, or
	// says who holds it; another fingerprint is an EKeyReused error.
	ReserveKey(ctx context.Context, scope, fp, owner string) (heartlink.Reservation, error)
	// RenewKey extends owner's hold while it still answers.
	RenewKey(ctx context.Context, scope, owner string) error
	// CompleteKey keeps the answer, to be repeated.
	CompleteKey(ctx context.Context, scope, owner string, a heartlink.Answer) error
	// FreeKey lets the key go after a refusal or a failure.
	FreeKey(ctx context.Context, scope, owner string) error
}

// idempotencyWait is how long a request waits for another one with the
// same key to be answered before it is told 409 in_progress: creating a
// trip takes milliseconds, so a client that retried too soon (or sent
// twice at once) almost always gets the first answer, not an error.
const idempotencyWait = 3 * time.Second

// created answers a request from what the request that held its key had
// created before it died (a trip's id, say), as that request would have.
type created func(r *http.Request, ref string) (heartlink.Answer, error)

// idempotent makes h safe to retry under an Idempotency-Key header: the
// same caller, key, method, path and body get the first successful answer
// again (its status and body, with Idempotent-Replayed: true) for
// heartlink.IdempotencyTTL, and h runs once. A refusal or failure is not
// kept. limit is the largest body h reads; a longer one is h's to refuse.
// With fromRef, what h creates is recorded under the key in the same
// transaction (see heartlink.WithIdempotencyScope), so that an instance
// dying between creating and answering does not let a retry create again.
// Requests without the header pass straight through.
func (s *Server) idempotent(limit int64, fromRef created, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		keys := r.Header.Values(heartlink.IdempotencyHeader)
		if len(keys) == 0 || s.cfg.Idempotency == nil {
			h.ServeHTTP(w, r)
			return
		}
		if len(keys) > 1 {
			s.error(w, r, heartlink.FieldError(heartlink.EBadRequest, heartlink.IdempotencyHeader, "send one Idempotency-Key, not %d", len(keys)))
			return
		}
		if err := heartlink.CheckIdempotencyKey(keys[0]); err != nil {
			s.error(w, r, err)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
		if err != nil {
			s.error(w, r, decodeError(err))
			return
		}
		if int64(len(body)) > limit {
			r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
			h.ServeHTTP(w, r)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))

		scope := principal(r).String() + " " + keys[0]
		fp := fingerprint(r, body)
		owner := newOwner()
		wait := time.NewTimer(idempotencyWait)
		defer wait.Stop()
		for {
			res, err := s.cfg.Idempotency.ReserveKey(r.Context(), scope, fp, owner)
			if err != nil {
				s.error(w, r, err)
				return
			}
			switch res.Outcome {
			case heartlink.Run:
				s.runOnce(w, r, scope, owner, fromRef != nil, h)
				return
			case heartlink.Replay:
				s.replay(w, res.Answer)
				return
			case heartlink.Created:
				a, err := fromRef(r, res.Ref)
				if err != nil {
					s.cfg.Idempotency.FreeKey(context.WithoutCancel(r.Context()), scope, owner)
					s.error(w, r, err)
					return
				}
				s.keep(r, scope, owner, a)
				s.replay(w, a)
				return
			}
			select {
			case <-r.Context().Done():
				s.error(w, r, r.Context().Err())
				return
			case <-wait.C:
				w.Header().Set("Retry-After", "1")
				s.error(w, r, heartlink.FieldError(heartlink.EInProgress, heartlink.IdempotencyHeader,
					"a request with this Idempotency-Key is still being answered; send it again after Retry-After"))
				return
			case <-time.After(25 * time.Millisecond):
			}
		}
	})
}

// runOnce answers r with h while holding its key, renewing the hold until
// h is done, then keeps a successful answer or lets the key go.
func (s *Server) runOnce(w http.ResponseWriter, r *http.Request, scope, owner string, mark bool, h http.Handler) {
	ctx := r.Context()
	if mark {
		ctx = heartlink.WithIdempotencyScope(ctx, scope)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(heartlink.IdempotencyLease / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if err := s.cfg.Idempotency.RenewKey(ctx, scope, owner); err != nil {
					s.log.Warn("renew idempotency key", "err", err)
				}
			}
		}
	})
	rec := &answerRecorder{ResponseWriter: w}
	h.ServeHTTP(rec, r.WithContext(ctx))
	close(done)
	wg.Wait()
	if rec.status >= 200 && rec.status < 300 {
		s.keep(r, scope, owner, heartlink.Answer{Status: rec.status, Location: rec.Header().Get("Location"), Body: rec.body.Bytes()})
		return
	}
	if err := s.cfg.Idempotency.FreeKey(context.WithoutCancel(r.Context()), scope, owner); err != nil {
		// The hold ends with its lease: a retry runs again within seconds.
		s.log.Warn("free idempotency key", "err", err)
	}
}

// keep stores the answer given for a key. The client already has it; if
// it cannot be kept the hold lapses, and a retry is answered from what was
// created (see idempotent) or runs again.
func (s *Server) keep(r *http.Request, scope, owner string, a heartlink.Answer) {
	if err := s.cfg.Idempotency.CompleteKey(context.WithoutCancel(r.Context()), scope, owner, a); err != nil {
		s.log.Warn("keep idempotent answer", "err", err)
	}
}

// replay repeats a kept answer, saying so.
func (s *Server) replay(w http.ResponseWriter, a heartlink.Answer) {
	if a.Location != "" {
		w.Header().Set("Location", a.Location)
	}
	w.Header().Set("Idempotent-Replayed", "true")
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(a.Status)
	w.Write(a.Body)
}

// tripCreated answers a trip request from the trip it created.
func (s *Server) tripCreated(r *http.Request, id string) (heartlink.Answer, error) {
	t, _, err := s.cfg.Dispatch.Trip(r.Context(), principal(r), id)
	if err != nil {
		return heartlink.Answer{}, err
	}
	b, err := json.Marshal(s.view(r, t))
	if err != nil {
		return heartlink.Answer{}, err
	}
	return heartlink.Answer{Status: http.StatusCreated, Location: "/api/v1/trips/" + id, Body: append(b, '\n')}, nil
}

// fingerprint tells one request from another under the same key.
func fingerprint(r *http.Request, body []byte) string {
	h := sha256.New()
	for _, part := range []string{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type")} {
		io.WriteString(h, part)
		h.Write([]byte{0})
	}
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

func newOwner() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// answerRecorder passes an answer through and keeps a copy of it.
type answerRecorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *answerRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *answerRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}
