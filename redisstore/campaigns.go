package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/campaign"
)

var _ campaign.Service = (*Store)(nil)

// CreateCampaign stores a new campaign and its shifts.
func (s *Store) CreateCampaign(ctx context.Context, by heartlink.Principal, d campaign.Draft) (*campaign.Campaign, error) {
	if err := mustCoordinator(by); err != nil {
		return nil, err
	}
	now := s.now()
	names, err := s.placeNames(ctx, d.PlaceIDs()...)
	if err != nil {
		return nil, err
	}
	if err := heartlink.Join(d.Validate(now), d.PlaceProblems(names)); err != nil {
		return nil, err
	}
	c := d.Campaign(newID("cmp"), newID, now, names)
	b, _ := json.Marshal(c)
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.keys.campaign(c.ID), b, 0)
		p.ZAdd(ctx, s.keys.campaigns(), redis.Z{Score: float64(ms(now)), Member: c.ID})
		for _, sh := range c.Shifts {
			p.HSet(ctx, s.keys.shift(c.ID, sh.ID), "cars", sh.CarsNeeded)
		}
		return nil
	})
	if err != nil {
		return nil, wrap(err, "create campaign")
	}
	if c.WindowAt(now).Open {
		// Created with its window open: no firing will announce it.
		if err := s.Announce(ctx, c.WindowNews(campaign.SignupOpen, now)); err != nil {
			s.log.Warn("announce open window", "campaign", c.ID, "err", err)
		}
	}
	return c, nil
}

// UpdateCampaign changes a campaign's name, schedules or openness.
func (s *Store) UpdateCampaign(ctx context.Context, by heartlink.Principal, id string, u campaign.Update) (*campaign.Campaign, error) {
	if err := mustCoordinator(by); err != nil {
		return nil, err
	}
	k := s.keys.campaign(id)
	var out *campaign.Campaign
	var wasOpen bool
	// Optimistic: a concurrent update of the same campaign makes this one
	// read again rather than overwrite it.
	err := s.rdb.Watch(ctx, func(tx *redis.Tx) error {
		c, err := s.readCampaign(ctx, tx, id)
		if err != nil {
			return err
		}
		wasOpen = c.WindowAt(s.now()).Open
		if err := u.Apply(c, s.now()); err != nil {
			return err
		}
		b, _ := json.Marshal(c)
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, k, b, 0)
			return nil
		})
		out = c
		return err
	}, k)
	if errors.Is(err, redis.TxFailedErr) {
		return nil, heartlink.Errorf(heartlink.EConflict, "the campaign changed meanwhile; try again")
	}
	if err != nil {
		return nil, wrap(err, "update campaign")
	}
	if now := s.now(); !wasOpen && out.WindowAt(now).Open {
		// The change opened the window now: no firing will announce it.
		if err := s.Announce(ctx, out.WindowNews(campaign.SignupOpen, now)); err != nil {
			s.log.Warn("announce open window", "campaign", out.ID, "err", err)
		}
	}
	return out, nil
}

func (s *Store) readCampaign(ctx context.Context, c redis.Cmdable, id string) (*campaign.Campaign, error) {
	b, err := c.Get(ctx, s.keys.campaign(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, heartlink.Errorf(heartlink.ENotFound, "no campaign %q", id)
	}
	if err != nil {
		return nil, wrap(err, "read campaign")
	}
	var cp campaign.Campaign
	if err := json.Unmarshal(b, &cp); err != nil {
		return nil, wrap(err, "decode campaign")
	}
	return &cp, nil
}

// Campaign returns a campaign with each shift's fill.
func (s *Store) Campaign(ctx context.Context, id string) (*campaign.Campaign, map[string]campaign.Fill, error) {
	c, err := s.readCampaign(ctx, s.rdb, id)
	if err != nil {
		return nil, nil, err
	}
	fills, err := s.fills(ctx, []*campaign.Campaign{c})
	return c, fills, err
}

// fills reads how full every shift of the campaigns is, by shift id, in one
// pipelined round trip.
func (s *Store) fills(ctx context.Context, cs []*campaign.Campaign) (map[string]campaign.Fill, error) {
	type counts struct{ conf, wait *redis.IntCmd }
	cmds := map[string]counts{}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, c := range cs {
			for _, sh := range c.Shifts {
				cmds[sh.ID] = counts{
					p.ZCard(ctx, s.keys.shiftConfirmed(c.ID, sh.ID)),
					p.ZCard(ctx, s.keys.shiftWaiting(c.ID, sh.ID)),
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrap(err, "shift fill")
	}
	out := make(map[string]campaign.Fill, len(cmds))
	for id, n := range cmds {
		out[id] = campaign.Fill{Confirmed: int(n.conf.Val()), Waiting: int(n.wait.Val())}
	}
	return out, nil
}

// Campaigns lists every campaign, newest first, with the fill of each
// shift by shift id.
func (s *Store) Campaigns(ctx context.Context) ([]*campaign.Campaign, map[string]campaign.Fill, error) {
	cs, fills, _, err := s.CampaignPage(ctx, 0, "")
	return cs, fills, err
}

// SignUp puts the driver by on a shift: confirmed while it has room, else
// waiting in arrival order. Outside the sign-up window it is a conflict
// that says when the window opens.
func (s *Store) SignUp(ctx context.Context, by heartlink.Principal, campaignID, shiftID string) (campaign.Signup, error) {
	if err := mustDriver(by); err != nil {
		return campaign.Signup{}, err
	}
	var cp *redis.StringCmd
	var vm *redis.StringCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		cp = p.Get(ctx, s.keys.campaign(campaignID))
		vm = p.HGet(ctx, s.keys.driver(by.ID), "vm")
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return campaign.Signup{}, wrap(err, "sign up")
	}
	var c campaign.Campaign
	if cp.Err() != nil || json.Unmarshal([]byte(cp.Val()), &c) != nil {
		return campaign.Signup{}, heartlink.Errorf(heartlink.ENotFound, "no campaign %q", campaignID)
	}
	sh, ok := c.Shift(shiftID)
	if !ok {
		return campaign.Signup{}, heartlink.Errorf(heartlink.ENotFound, "no shift %q in campaign %q", shiftID, campaignID)
	}
	now := s.now()
	if w := c.WindowAt(now); !w.Open {
		msg := "sign-up is closed"
		if w.NextOpen != nil {
			msg += "; it opens at " + w.NextOpen.In(c.Location()).Format(time.RFC3339)
		}
		return campaign.Signup{}, heartlink.Errorf(heartlink.EConflict, "%s", msg)
	}
	if sh.VerifiedMinors && vm.Val() != "1" {
		return campaign.Signup{}, heartlink.Errorf(heartlink.EForbidden, "this shift carries minors: only drivers verified for minors may sign up")
	}
	res, err := s.scripts.signup.Run(ctx, s.rdb, s.shiftKeys(c.ID, sh.ID, by.ID), by.ID, c.ID+"|"+sh.ID, c.ID, sh.ID).Slice()
	if err != nil {
		return campaign.Signup{}, wrap(err, "sign up")
	}
	status, _ := res[0].(string)
	pos, _ := res[1].(int64)
	if status == "missing" {
		return campaign.Signup{}, heartlink.Errorf(heartlink.ENotFound, "no shift %q in campaign %q", shiftID, campaignID)
	}
	return campaign.Signup{CampaignID: c.ID, ShiftID: sh.ID, Status: campaign.SignupStatus(status), Position: int(pos)}.Of(sh), nil
}

func (s *Store) shiftKeys(cid, sid, driverID string) []string {
	return []string{s.keys.shift(cid, sid), s.keys.shiftConfirmed(cid, sid), s.keys.shiftWaiting(cid, sid),
		s.keys.driverSignups(driverID), s.keys.events()}
}

// Withdraw takes the driver by off a shift; a confirmed place freed goes
// to the first driver waiting, who is told live.
func (s *Store) Withdraw(ctx context.Context, by heartlink.Principal, campaignID, shiftID string) error {
	if err := mustDriver(by); err != nil {
		return err
	}
	res, err := s.scripts.withdraw.Run(ctx, s.rdb, s.shiftKeys(campaignID, shiftID, by.ID), by.ID,
		campaignID+"|"+shiftID, campaignID, shiftID).StringSlice()
	if err != nil {
		return wrap(err, "withdraw")
	}
	if res[0] == "none" {
		return heartlink.Errorf(heartlink.ENotFound, "you are not signed up for this shift")
	}
	return nil
}

// Signups lists the driver's own sign-ups with their status, each with
// its shift's slot, name and exam site. A shift removed meanwhile is not
// listed.
func (s *Store) Signups(ctx context.Context, by heartlink.Principal) ([]campaign.Signup, error) {
	if err := mustDriver(by); err != nil {
		return nil, err
	}
	members, err := s.rdb.SMembers(ctx, s.keys.driverSignups(by.ID)).Result()
	if err != nil {
		return nil, wrap(err, "signups")
	}
	type reads struct {
		cid, sid string
		conf     *redis.FloatCmd
		rank     *redis.IntCmd
	}
	rs := make([]reads, 0, len(members))
	campaigns := map[string]*redis.StringCmd{}
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, m := range members {
			cid, sid, _ := strings.Cut(m, "|")
			rs = append(rs, reads{cid, sid, p.ZScore(ctx, s.keys.shiftConfirmed(cid, sid), by.ID),
				p.ZRank(ctx, s.keys.shiftWaiting(cid, sid), by.ID)})
			if campaigns[cid] == nil {
				campaigns[cid] = p.Get(ctx, s.keys.campaign(cid))
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, wrap(err, "signups")
	}
	shifts := map[string]campaign.Shift{} // by "campaign|shift"
	for cid, cmd := range campaigns {
		var c campaign.Campaign
		if cmd.Err() != nil || json.Unmarshal([]byte(cmd.Val()), &c) != nil {
			continue
		}
		for _, sh := range c.Shifts {
			shifts[cid+"|"+sh.ID] = sh
		}
	}
	out := []campaign.Signup{}
	for _, r := range rs {
		sh, ok := shifts[r.cid+"|"+r.sid]
		if !ok {
			continue
		}
		switch {
		case r.conf.Err() == nil:
			out = append(out, campaign.Signup{CampaignID: r.cid, ShiftID: r.sid, Status: campaign.Confirmed}.Of(sh))
		case r.rank.Err() == nil:
			out = append(out, campaign.Signup{CampaignID: r.cid, ShiftID: r.sid, Status: campaign.Waiting, Position: int(r.rank.Val()) + 1}.Of(sh))
		}
	}
	return out, nil
}

// Confirmed lists a shift's confirmed drivers, in sign-up order.
func (s *Store) Confirmed(ctx context.Context, campaignID, shiftID string) ([]string, error) {
	ids, err := s.rdb.ZRange(ctx, s.keys.shiftConfirmed(campaignID, shiftID), 0, -1).Result()
	return ids, wrap(err, "confirmed drivers")
}

// shiftDrivers reads a shift's confirmed drivers and its waiting list, in
// one round trip.
func (s *Store) shiftDrivers(ctx context.Context, campaignID, shiftID string) (confirmed, waiting []string, err error) {
	var c, w *redis.StringSliceCmd
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		c = p.ZRange(ctx, s.keys.shiftConfirmed(campaignID, shiftID), 0, -1)
		w = p.ZRange(ctx, s.keys.shiftWaiting(campaignID, shiftID), 0, -1)
		return nil
	})
	return c.Val(), w.Val(), wrap(err, "shift drivers")
}
