package redisstore

import (
	"strconv"

	"github.com/heartlink/heartlink"
)

// keys names every key of the store. All but a few share the hash tag
// {prefix}, so that every script's and transaction's keys live in one
// Redis Cluster slot: one fleet (a city) is one slot, and a province shards
// by running a prefix per city. The few (see spread) each have a hash tag
// of their own. docs/cluster.md says why no more are spread.
type keys struct {
	p    string // "{prefix}:"
	name string // prefix
}

func newKeys(prefix string) keys {
	if prefix == "" {
		prefix = "hl"
	}
	return keys{p: "{" + prefix + "}:", name: prefix}
}

// spread names a key with a hash tag of its own, "{prefix:kind:id}", for
// the keys that no script or transaction touches with another: a caller's
// rate budget, a ticket, an account's socket leases. Each
// is read or written alone, in a round trip of its own or in a plain
// pipeline (which may span slots), so on a cluster they spread over every
// slot and off the fleet's, which carries the dispatch work, at no cost in
// round trips.
func (k keys) spread(kind, id string) string { return "{" + k.name + ":" + kind + ":" + id + "}" }

func (k keys) trip(id string) string         { return k.p + "trip:" + id }
func (k keys) tripOffers(id string) string   { return k.p + "trip:" + id + ":offers" }
func (k keys) tripTried(id string) string    { return k.p + "trip:" + id + ":tried" }
func (k keys) tripAudit(id string) string    { return k.p + "trip:" + id + ":audit" }
func (k keys) driver(id string) string       { return k.p + "driver:" + id }
func (k keys) driverOffers(id string) string { return k.p + "driver:" + id + ":offers" }

// driverRoute is where a driver's route lives: in the driver's own hash,
// fields route_v, route_stops, route_updated and route_last, so that a
// dispatch reads a candidate's attributes and route in one command.
func (k keys) driverRoute(id string) string { return k.driver(id) }

func (k keys) tripProposals(id string) string { return k.p + "trip:" + id + ":proposals" }
func (k keys) driverTrips(id string) string   { return k.p + "driver:" + id + ":trips" }
func (k keys) requester(id string) string     { return k.p + "requester:" + id }
func (k keys) reqTrips(id string) string      { return k.p + "requester:" + id + ":trips" }
func (k keys) coordinator(id string) string   { return k.p + "coordinator:" + id }
func (k keys) token(hash string) string       { return k.p + "token:" + hash }

// tokenOf holds the hash of an account's current token, to revoke it.
func (k keys) tokenOf(role heartlink.Role, id string) string {
	return k.p + string(role) + ":" + id + ":token"
}

// sockets holds the live sockets an account holds on any instance, by
// when each one's lease ends.
func (k keys) sockets(holder heartlink.Principal) string {
	return k.spread("sockets", string(holder.Role)+":"+holder.ID)
}

func (k keys) rate(who string) string    { return k.spread("rate", who) }
func (k keys) ticket(hash string) string { return k.spread("ticket", hash) }

// reply is a live request's answer. It stays in the fleet's slot: an
// accept or decline marks it inside its own script (OnceWithin), whose
// keys must share one slot.
func (k keys) reply(key string) string { return k.p + "reply:" + key }

// tripEnds holds every trip whose riders' data is still kept, by arrive_by:
// the purge's work list (see purge.go).
func (k keys) tripEnds() string { return k.p + "trips:ends" }

// retained holds keys that copy riders' addresses (planned routes, shift
// plans), by when the last of their stops is: the purge deletes them.
func (k keys) retained() string { return k.p + "purge:keys" }

// rider indexes a rider's trips by the hash of their phone (see
// privacy.go): never the phone itself in a key.
func (k keys) rider(phoneHash string) string { return k.p + "rider:" + phoneHash }

// tripReads is who read a trip's riders' contact, newest last.
func (k keys) tripReads(id string) string { return k.p + "trip:" + id + ":reads" }

// tripEndsFilled marks tripEnds as holding the trips booked before it was.
func (k keys) tripEndsFilled() string { return k.p + "trips:ends:filled" }

// idempotency is the record of one caller's Idempotency-Key, by hash.
func (k keys) idempotency(hash string) string { return k.p + "idem:" + hash }

func (k keys) drivers() string        { return k.p + "drivers" }
func (k keys) requesters() string     { return k.p + "requesters" }
func (k keys) coordinators() string   { return k.p + "coordinators" }
func (k keys) geoLive() string        { return k.p + "geo:live" }
func (k keys) geoHome() string        { return k.p + "geo:home" }
func (k keys) trips() string          { return k.p + "trips" }
func (k keys) open() string           { return k.p + "trips:open" }
func (k keys) queue() string          { return k.p + "queue" }
func (k keys) waiting() string        { return k.p + "geo:waiting" }
func (k keys) freedSeq() string       { return k.p + "freed:seq" }
func (k keys) dry(cell string) string { return k.p + "dry:" + cell }
func (k keys) deadlines() string      { return k.p + "offers:deadlines" }
func (k keys) admin() string          { return k.p + "admin" }
func (k keys) adminToken() string     { return k.p + "admin:token" }
func (k keys) tokensMarked() string   { return k.p + "migrated:inactive-tokens" }
func (k keys) events() string         { return k.p + "events" }
func (k keys) campaigns() string      { return k.p + "campaigns" }
func (k keys) recurrences() string    { return k.p + "recurrences" }
func (k keys) places() string         { return k.p + "places" }
func (k keys) routeDeadlines() string { return k.p + "routes:deadlines" }
func (k keys) retime() string         { return k.p + "routes:retime" }
func (k keys) advance() string        { return k.p + "trips:advance" }
func (k keys) active() string         { return k.p + "trips:active" }
func (k keys) available() string      { return k.p + "drivers:available" }
func (k keys) planLock() string       { return k.p + "advance:lock" }

// epoch holds the fleet epoch: a random value set once, when the fleet
// begins, so that an instance can tell the store it began with from one
// that came back empty (see health.go).
func (k keys) epoch() string { return k.p + "epoch" }

// unserved holds the trips that ended unserved (still open at arrive_by)
// until a coordinator closes their alert, by arrive_by; unservedSwept is
// how far (ms) the open list has been swept for them.
func (k keys) unserved() string      { return k.p + "alerts:unserved" }
func (k keys) unservedSwept() string { return k.p + "alerts:unserved:swept" }

// advancePlan is the rolling plan of one day (YYYY-MM-DD in the city).
func (k keys) advancePlan(day string) string { return k.p + "advance:" + day }

// advanceDeclined holds the drivers who turned down a route of the day.
func (k keys) advanceDeclined(day string) string { return k.p + "advance:" + day + ":declined" }

func (k keys) plan(cid, sid string) string { return k.p + "plan:" + cid + ":" + sid }
func (k keys) route(id string) string      { return k.p + "route:" + id }

func (k keys) recurrenceBooked(id, date string) string {
	return k.p + "recurrence:" + id + ":" + date
}

func (k keys) campaign(id string) string { return k.p + "campaign:" + id }
func (k keys) shift(cid, sid string) string {
	return k.p + "shift:" + cid + ":" + sid
}
func (k keys) shiftConfirmed(cid, sid string) string { return k.shift(cid, sid) + ":confirmed" }
func (k keys) shiftWaiting(cid, sid string) string   { return k.shift(cid, sid) + ":waiting" }
func (k keys) driverSignups(id string) string        { return k.p + "driver:" + id + ":signups" }
func (k keys) positions() string                     { return k.p + "positions" }

// tripPINTries counts a trip's wrong handover PINs; it expires with the
// window they count in.
func (k keys) tripPINTries(id string) string { return k.p + "trip:" + id + ":pin_tries" }

// driverChanges and requesterChanges are the records of coordinators'
// changes of one account (fleet.Change, oldest first).
func (k keys) driverChanges(id string) string    { return k.p + "driver:" + id + ":changes" }
func (k keys) requesterChanges(id string) string { return k.p + "requester:" + id + ":changes" }

// share is a guardian link, by the SHA-256 of its token (never the token
// itself); tripShares maps a trip's link ids to those hashes, to revoke
// them.
func (k keys) share(hash string) string    { return k.p + "share:" + hash }
func (k keys) tripShares(id string) string { return k.p + "trip:" + id + ":shares" }

// sos is one SOS, sosAudit its record; sosOpen holds the open ones by
// when they were raised. A driver's open SOS is named in their hash
// (field sos), so that a second press finds it.
func (k keys) sos(id string) string      { return k.p + "sos:" + id }
func (k keys) sosAudit(id string) string { return k.p + "sos:" + id + ":audit" }
func (k keys) sosOpen() string           { return k.p + "sos:open" }

// report is one report, reportPhoto its photo n (from 1), reportAudit its
// record; reports lists every one by when it was filed, reportsUnresolved
// those not resolved yet, driverReports a driver's own.
func (k keys) report(id string) string        { return k.p + "report:" + id }
func (k keys) reportAudit(id string) string   { return k.p + "report:" + id + ":audit" }
func (k keys) reports() string                { return k.p + "reports" }
func (k keys) reportsUnresolved() string      { return k.p + "reports:unresolved" }
func (k keys) driverReports(id string) string { return k.p + "driver:" + id + ":reports" }

// lost is one found item, lostPhoto its photo, lostAudit its record;
// lostItems lists every one by when it was logged, lostUnclaimed those not
// handed back yet, lostBy those a caller logged, lostFor those of a
// requester's trips.
func (k keys) lost(id string) string           { return k.p + "lost:" + id }
func (k keys) lostPhoto(id string) string      { return k.p + "lost:" + id + ":photo" }
func (k keys) lostAudit(id string) string      { return k.p + "lost:" + id + ":audit" }
func (k keys) lostItems() string               { return k.p + "lost" }
func (k keys) lostUnclaimed() string           { return k.p + "lost:unclaimed" }
func (k keys) lostBy(actor string) string      { return k.p + "lost:by:" + actor }
func (k keys) lostFor(requester string) string { return k.p + "requester:" + requester + ":lost" }

func (k keys) reportPhoto(id string, n int) string {
	return k.p + "report:" + id + ":photo:" + strconv.Itoa(n)
}
