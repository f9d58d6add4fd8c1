package redisstore

import (
	_ "embed"

	"github.com/redis/go-redis/v9"
)

var (
	//go:embed lib.lua
	libLua string
	//go:embed offer.lua
	offerLua string
	//go:embed accept.lua
	acceptLua string
	//go:embed answer.lua
	answerLua string
	//go:embed transition.lua
	transitionLua string
	//go:embed lease.lua
	leaseLua string
)

// The scripts, each with the shared helpers prepended. Script.Run sends the
// SHA first and the source only when the server lacks it.
var (
	offerScript      = redis.NewScript(libLua + offerLua)
	acceptScript     = redis.NewScript(libLua + acceptLua)
	answerScript     = redis.NewScript(libLua + answerLua)
	transitionScript = redis.NewScript(libLua + transitionLua)
	leaseScript      = redis.NewScript(leaseLua)
)
