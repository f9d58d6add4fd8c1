package httpapi

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/heartlink/heartlink"
)

// StatusOf maps an error code to its HTTP status: the one place that does.
func StatusOf(code string) int {
	switch code {
	case heartlink.EBadRequest:
		return http.StatusBadRequest
	case heartlink.EInvalid, heartlink.EKeyReused, heartlink.EWrongPIN:
		return http.StatusUnprocessableEntity
	case heartlink.EUnauthorized:
		return http.StatusUnauthorized
	case heartlink.EForbidden:
		return http.StatusForbidden
	case heartlink.ENotFound:
		return http.StatusNotFound
	case heartlink.EMethod:
		return http.StatusMethodNotAllowed
	case heartlink.EConflict, heartlink.ETaken, heartlink.EClash, heartlink.EInProgress, heartlink.ETooFar:
		return http.StatusConflict
	case heartlink.ETooLarge:
		return http.StatusRequestEntityTooLarge
	case heartlink.EUnsupported:
		return http.StatusUnsupportedMediaType
	case heartlink.ERateLimited:
		return http.StatusTooManyRequests
	case heartlink.EUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON body of every error response: the problem, and
// every problem when a request has several (invalid fields, say). Error is
// always the first of Errors, for clients that read only one.
type ErrorBody struct {
	Error  ErrorDetail   `json:"error"`
	Errors []ErrorDetail `json:"errors,omitempty"`
}

// ErrorDetail is what went wrong: a code to branch on, a message to show,
// and the request field at fault when there is one.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// errorBody is err as users see it: the one place errors become error
// bodies and error frames. Internal errors read "internal error".
func errorBody(err error) ErrorBody {
	var b ErrorBody
	for _, p := range heartlink.Problems(err) {
		b.Errors = append(b.Errors, ErrorDetail{Code: p.Code, Message: p.Message, Field: p.Field})
	}
	if len(b.Errors) > 0 {
		b.Error = b.Errors[0]
	}
	return b
}

// error writes err as JSON. Internal errors are logged once, here, and
// users see only "internal error". A request whose client went away (its
// context ended) failed for that reason alone: it is logged at debug.
func (s *Server) error(w http.ResponseWriter, r *http.Request, err error) {
	code := heartlink.ErrorCode(err)
	if code == heartlink.EInternal {
		switch {
		case r.Context().Err() != nil:
			s.log.Debug("request cut short", "method", r.Method, "path", logPath(r), "err", err)
			err = heartlink.Errorf(heartlink.EUnavailable, "the request was cut short; send it again")
		case s.storeDown(err):
			s.log.Warn("store unavailable", "method", r.Method, "path", logPath(r), "err", err)
			err = errStoreDown
		default:
			s.log.Error("request failed", "method", r.Method, "path", logPath(r), "err", err)
		}
		code = heartlink.ErrorCode(err)
	}
	if code == heartlink.EUnavailable && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", retryAfterUnavailable)
	}
	if retry := heartlink.ErrorRetry(err); code == heartlink.ERateLimited && retry > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(max(retry, time.Second).Seconds()))))
	}
	s.json(w, StatusOf(code), errorBody(err))
}

// errStoreDown is what users are told when the store does not answer.
var errStoreDown = heartlink.Errorf(heartlink.EUnavailable, "the store is not answering; send the request again shortly")

// retryAfterUnavailable is the Retry-After of every 503, in seconds: long
// enough for a restarted Redis or a failover, short enough for a school
// on an exam morning.
const retryAfterUnavailable = "2"

// storeDown reports whether err is the store failing to answer.
func (s *Server) storeDown(err error) bool {
	return s.cfg.Unavailable != nil && s.cfg.Unavailable(err)
}

func (s *Server) json(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		s.log.Debug("write response", "err", err)
	}
}
