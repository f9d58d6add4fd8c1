package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/heartlink/heartlink"
)

// decode reads one JSON object from the request body into v: at most
// MaxBody bytes, no unknown fields, nothing after it. Every failure is a
// *heartlink.Error that names the field where it can.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBody))
	if err != nil {
		return decodeError(err)
	}
	return decodeBytes(body, v)
}

// decodeBytes decodes one JSON object from body into v, strictly (see
// heartlink.StrictJSON).
func decodeBytes(body []byte, v any) error {
	if err := heartlink.StrictJSON(body, v); err != nil {
		err = decodeError(err)
		if e, ok := err.(*heartlink.Error); ok && e.Code == heartlink.EBadRequest && strings.HasPrefix(e.Message, "unknown field") {
			e.Field = unknownFieldPath(body, v, e.Field)
			e.Message = fmt.Sprintf("unknown field %q", e.Field)
		}
		return err
	}
	return nil
}

// validator is a request that can check itself.
type validator interface{ Validate() error }

// decodeValid decodes v and validates it.
func (s *Server) decodeValid(w http.ResponseWriter, r *http.Request, v validator) error {
	if err := s.decode(w, r, v); err != nil {
		return err
	}
	return v.Validate()
}

func decodeError(err error) error {
	var (
		tooLarge *http.MaxBytesError
		syntax   *json.SyntaxError
		typ      *json.UnmarshalTypeError
		dup      *heartlink.DuplicateKeyError
	)
	switch {
	case errors.As(err, &dup):
		return heartlink.FieldError(heartlink.EBadRequest, dup.Path, "the key %q appears twice", dup.Path)
	case errors.Is(err, heartlink.ErrTrailingData):
		return heartlink.Errorf(heartlink.EBadRequest, "the body must hold a single JSON object")
	case errors.As(err, &tooLarge):
		return heartlink.Errorf(heartlink.ETooLarge, "the body is larger than %d bytes", tooLarge.Limit)
	case errors.Is(err, io.EOF):
		return heartlink.Errorf(heartlink.EBadRequest, "a JSON body is required")
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return heartlink.Errorf(heartlink.EBadRequest, "the body is not valid JSON")
	case errors.As(err, &typ) && typ.Value == heartlink.ErrMissing:
		return heartlink.FieldError(heartlink.EInvalid, typ.Field, "%s is required", typ.Field)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return heartlink.Errorf(heartlink.EBadRequest, "the body must be a JSON object")
		}
		return heartlink.FieldError(heartlink.EBadRequest, typ.Field, "%s has the wrong type: want %s", typ.Field, jsonType(typ.Type.String()))
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		f = strings.Trim(f, `"`)
		return heartlink.FieldError(heartlink.EBadRequest, f, "unknown field %q", f)
	}
	return heartlink.Errorf(heartlink.EBadRequest, "the body could not be read")
}

// jsonType names a Go type the way a client in any language thinks of it.
func jsonType(goType string) string {
	switch {
	case goType == "time.Time":
		return "an RFC 3339 time string"
	case goType == "string" || strings.HasSuffix(goType, "Kind") || strings.HasSuffix(goType, "Presence") || strings.HasSuffix(goType, "Step"):
		return "a string"
	case goType == "bool":
		return "true or false"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "float"):
		return "a number"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	}
	return "an object"
}
