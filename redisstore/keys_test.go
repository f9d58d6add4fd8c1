package redisstore

import (
	"strings"
	"testing"

	"github.com/heartlink/heartlink"
)

// hashTag is the part of a key Redis Cluster hashes to find its slot.
func hashTag(key string) string {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			return key[i+1 : i+1+j]
		}
	}
	return key
}

// TestKeysHashTags: the keys scripts and transactions touch together share
// the fleet's hash tag (one slot); the few that are only ever touched alone
// have tags of their own, so that a cluster spreads them over its slots.
func TestKeysHashTags(t *testing.T) {
	k := newKeys("yt")
	driver := heartlink.Principal{Role: heartlink.RoleDriver, ID: "drv_1"}
	for _, key := range []string{
		k.trip("t1"), k.tripOffers("t1"), k.driver("d1"), k.driverRoute("d1"), k.queue(), k.events(),
		k.token("h"), k.tokenOf(heartlink.RoleDriver, "d1"), k.idempotency("h"), k.epoch(), k.deadlines(),
		k.shiftConfirmed("c", "s"), k.positions(), k.reply("r1"),
	} {
		if got := hashTag(key); got != "yt" {
			t.Errorf("hashTag(%q) = %q; want %q", key, got, "yt")
		}
	}
	for key, want := range map[string]string{
		k.rate("token:abc"): "yt:rate:token:abc",
		k.ticket("h1"):      "yt:ticket:h1",
		k.sockets(driver):   "yt:sockets:driver:drv_1",
		// redis_rate puts its own prefix before the key.
		"rate:" + k.rate("a"): "yt:rate:a",
	} {
		if got := hashTag(key); got != want {
			t.Errorf("hashTag(%q) = %q; want %q", key, got, want)
		}
	}
}
