package fleet

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/heartlink/heartlink"
)

// TokenID names a bearer token without revealing it: the first 16 hex
// digits of its SHA-256, the hash the store keeps. A live socket remembers
// the TokenID it was opened with, so that revoking that token closes it and
// leaves sockets opened with the token that replaced it.
func TokenID(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:8])
}

// ChangeRevoked is the kind of change, on the stream every instance
// follows, that says a token stopped working (it was rotated): every socket
// opened with it, on any instance, must close. Its body is a Revocation.
const ChangeRevoked = "token_revoked"

// Revocation is the body of a ChangeRevoked change.
type Revocation struct {
	Role    heartlink.Role `json:"role"`
	ID      string         `json:"id"`
	TokenID string         `json:"token_id"`
}

// Holder is who held the revoked token.
func (r Revocation) Holder() heartlink.Principal { return heartlink.Principal{Role: r.Role, ID: r.ID} }
