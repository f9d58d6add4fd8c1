package redisstore

import (
	"context"
	"encoding/json"

	"github.com/redis/go-redis/v9"

	"github.com/heartlink/heartlink/campaign"
	"github.com/heartlink/heartlink/fleet"
)

// DriverPage lists drivers, oldest registration first, limit of them after
// the cursor (0: every one left), with the cursor of the next page.
func (s *Store) DriverPage(ctx context.Context, limit int, after string) ([]*fleet.Driver, string, error) {
	ids, next, err := s.zlist(ctx, s.keys.drivers(), "drivers", false, limit, after)
	if err != nil {
		return nil, "", err
	}
	byID, err := s.DriversByID(ctx, ids)
	if err != nil {
		return nil, "", err
	}
	out := make([]*fleet.Driver, 0, len(ids))
	for _, id := range ids {
		if d := byID[id]; d != nil {
			out = append(out, d)
		}
	}
	return out, next, nil
}

// RequesterPage lists requesters, oldest first, as DriverPage does drivers.
func (s *Store) RequesterPage(ctx context.Context, limit int, after string) ([]*fleet.Requester, string, error) {
	ids, next, err := s.zlist(ctx, s.keys.requesters(), "requesters", false, limit, after)
	if err != nil || len(ids) == 0 {
		return []*fleet.Requester{}, next, err
	}
	out, err := s.requestersByID(ctx, ids)
	if err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// CampaignPage lists campaigns, newest first, limit of them after the
// cursor (0: every one left), with the fill of each shift by shift id and
// the cursor of the next page.
func (s *Store) CampaignPage(ctx context.Context, limit int, after string) ([]*campaign.Campaign, map[string]campaign.Fill, string, error) {
	ids, next, err := s.zlist(ctx, s.keys.campaigns(), "campaigns", true, limit, after)
	if err != nil {
		return nil, nil, "", err
	}
	if len(ids) == 0 {
		return []*campaign.Campaign{}, map[string]campaign.Fill{}, next, nil
	}
	ks := make([]string, len(ids))
	for i, id := range ids {
		ks[i] = s.keys.campaign(id)
	}
	vals, err := s.rdb.MGet(ctx, ks...).Result()
	if err != nil && err != redis.Nil {
		return nil, nil, "", wrap(err, "campaigns")
	}
	out := make([]*campaign.Campaign, 0, len(vals))
	for _, v := range vals {
		var c campaign.Campaign
		if v != nil && json.Unmarshal([]byte(v.(string)), &c) == nil {
			out = append(out, &c)
		}
	}
	fills, err := s.fills(ctx, out)
	if err != nil {
		return nil, nil, "", err
	}
	return out, fills, next, nil
}
