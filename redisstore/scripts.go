package redisstore

import (
	_ "embed"
	"strconv"

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
	//go:embed move.lua
	moveLua string
	//go:embed signup.lua
	signupLua string
	//go:embed purge.lua
	purgeLua string
	//go:embed withdraw.lua
	withdrawLua string
	//go:embed unqueue.lua
	unqueueLua string
	//go:embed route_accept.lua
	routeAcceptLua string
	//go:embed route_answer.lua
	routeAnswerLua string
	//go:embed retime.lua
	retimeLua string
	//go:embed unlock.lua
	unlockLua string
	//go:embed reassign.lua
	reassignLua string
	//go:embed page.lua
	pageLua string
	//go:embed idem_reserve.lua
	idemReserveLua string
	//go:embed idem_finish.lua
	idemFinishLua string
	//go:embed shift_change.lua
	shiftChangeLua string
	//go:embed shift_remove.lua
	shiftRemoveLua string
	//go:embed pin.lua
	pinLua string
	//go:embed wake.lua
	wakeLua string
	//go:embed share_make.lua
	shareMakeLua string
	//go:embed share_revoke.lua
	shareRevokeLua string
	//go:embed sos_raise.lua
	sosRaiseLua string
	//go:embed sos_resolve.lua
	sosResolveLua string
	//go:embed report_file.lua
	reportFileLua string
	//go:embed report_update.lua
	reportUpdateLua string
	//go:embed lost_log.lua
	lostLogLua string
	//go:embed lost_return.lua
	lostReturnLua string
	//go:embed checkin.lua
	checkinLua string
)

// scripts are a store's Lua scripts, each with the shared helpers and the
// event history length prepended. Script.Run sends the SHA first and the
// source only when the server lacks it.
type scripts struct {
	offer, accept, answer, transition, lease, move *redis.Script
	signup, withdraw, unqueue                      *redis.Script
	routeAccept, routeAnswer, retime, unlock       *redis.Script
	reassign, page, pin                            *redis.Script
	idemReserve, idemFinish                        *redis.Script
	shiftChange, shiftRemove, wake, purge          *redis.Script
	shareMake, shareRevoke, sosRaise, sosResolve   *redis.Script
	reportFile, reportUpdate, lostLog, lostReturn  *redis.Script
	checkin                                        *redis.Script
}

func newScripts(historyLen int) scripts {
	lib := "local EVENTS_MAXLEN = " + strconv.Itoa(historyLen) + "\n" + libLua
	return scripts{
		offer:        redis.NewScript(lib + offerLua),
		purge:        redis.NewScript(purgeLua),
		accept:       redis.NewScript(lib + acceptLua),
		answer:       redis.NewScript(lib + answerLua),
		transition:   redis.NewScript(lib + transitionLua),
		lease:        redis.NewScript(leaseLua),
		move:         redis.NewScript(moveLua),
		signup:       redis.NewScript(lib + signupLua),
		withdraw:     redis.NewScript(lib + withdrawLua),
		unqueue:      redis.NewScript(unqueueLua),
		routeAccept:  redis.NewScript(lib + routeAcceptLua),
		routeAnswer:  redis.NewScript(lib + routeAnswerLua),
		retime:       redis.NewScript(lib + retimeLua),
		unlock:       redis.NewScript(unlockLua),
		reassign:     redis.NewScript(lib + reassignLua),
		page:         redis.NewScript(pageLua),
		idemReserve:  redis.NewScript(idemReserveLua),
		idemFinish:   redis.NewScript(idemFinishLua),
		shiftChange:  redis.NewScript(lib + shiftChangeLua),
		shiftRemove:  redis.NewScript(lib + shiftRemoveLua),
		pin:          redis.NewScript(lib + pinLua),
		wake:         redis.NewScript(lib + wakeLua),
		shareMake:    redis.NewScript(lib + shareMakeLua),
		shareRevoke:  redis.NewScript(lib + shareRevokeLua),
		sosRaise:     redis.NewScript(lib + sosRaiseLua),
		sosResolve:   redis.NewScript(lib + sosResolveLua),
		reportFile:   redis.NewScript(lib + reportFileLua),
		reportUpdate: redis.NewScript(lib + reportUpdateLua),
		lostLog:      redis.NewScript(lib + lostLogLua),
		lostReturn:   redis.NewScript(lib + lostReturnLua),
		checkin:      redis.NewScript(lib + checkinLua),
	}
}
