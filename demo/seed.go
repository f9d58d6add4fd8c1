package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"
)

// hooks let Run start each actor the moment it exists, so that the board
// comes alive while the rest of the city is still being registered.
type hooks struct {
	tokens     func(Tokens)
	requesters func([]*RequesterAccount)
	driver     func(*DriverAccount, int)
	campaign   func(*Campaign)
}

// Seed registers the city through the HTTP API as a coordinator: places
// (if the server serves them), requesters (schools, a community, a care
// station), drivers and a campaign whose sign-up window is open. It
// returns what it registered and tokens for a person, which the
// simulation does not use.
func Seed(ctx context.Context, c Config) (*City, Tokens, error) {
	c = c.withDefaults()
	if err := c.check(); err != nil {
		return nil, Tokens{}, err
	}
	s := newSim(c)
	defer s.c.close()
	return s.seed(ctx, hooks{})
}

func (c Config) check() error {
	if c.BaseURL == "" || c.AdminToken == "" {
		return errors.New("demo: BaseURL and AdminToken are required")
	}
	return nil
}

// seed registers the city, calling h's hooks as each part is ready. Only
// a refused coordinator token, or the end of ctx, stops it; other
// failures are counted and left out.
func (s *sim) seed(ctx context.Context, h hooks) (*City, Tokens, error) {
	city := &City{}
	tokens, err := s.seedPeople(ctx)
	if err != nil {
		return nil, Tokens{}, err
	}
	if h.tokens != nil {
		h.tokens(tokens)
	}
	if city.Places, err = s.seedPlaces(ctx); err != nil {
		return nil, Tokens{}, err
	}
	s.places = city.Places
	if city.Requesters, err = s.seedRequesters(ctx); err != nil {
		return nil, Tokens{}, err
	}
	if h.requesters != nil {
		h.requesters(city.Requesters)
	}
	for i := range s.cfg.Drivers {
		acc, err := s.registerDriver(ctx, s.rngFor(rngSeed, 1000+i))
		if err != nil {
			if fatal(err) || ctx.Err() != nil {
				return nil, Tokens{}, s.setupError("register a driver", err)
			}
			continue
		}
		city.Drivers = append(city.Drivers, acc)
		s.stats.drivers.Add(1)
		if h.driver != nil {
			h.driver(acc, i)
		}
	}
	// Last, so that the drivers already online are told the window is
	// open, and some rush to sign up.
	city.Campaign, err = s.seedCampaign(ctx)
	if err != nil {
		if fatal(err) || ctx.Err() != nil {
			return nil, Tokens{}, s.setupError("create the campaign", err)
		}
		s.log.Warn("demo: no campaign", "err", err)
	}
	if city.Campaign != nil && h.campaign != nil {
		h.campaign(city.Campaign)
	}
	return city, tokens, nil
}

// fatal reports whether err means the coordinator token does not work, so
// that nothing else will.
func fatal(err error) bool {
	var ae *apiError
	return errors.As(err, &ae) && (ae.Status == http.StatusUnauthorized || ae.Status == http.StatusForbidden)
}

func (s *sim) setupError(what string, err error) error {
	if fatal(err) {
		return fmt.Errorf("demo: %s: %w: is AdminToken a coordinator's token of this server?", what, err)
	}
	return fmt.Errorf("demo: %s: %w", what, err)
}

// seedPeople registers the accounts a person tries the pages with: a
// coordinator of their own (so that their board has its own rate limit),
// a driver and a school. They come first, so that the tokens can be
// printed at once.
func (s *sim) seedPeople(ctx context.Context) (Tokens, error) {
	var t Tokens
	var co struct{ Token string }
	err := s.c.call(ctx, s.admin, "register coordinator", "POST", "/api/v1/coordinators",
		map[string]any{"name": "体验调度员 Demo Coordinator"}, &co, 201)
	if err != nil {
		return t, s.setupError("register a coordinator", err)
	}
	t.Coordinator = co.Token
	rng := s.rngFor(rngSeed, 0)
	acc, err := s.registerDriverAs(ctx, rng, "体验司机 Demo Driver", s.home(rng), 4, false, true)
	if err != nil {
		return t, s.setupError("register a driver", err)
	}
	t.Driver = acc.Token
	req, err := s.registerRequester(ctx, schoolName(0), "school", "0701-6220000")
	if err != nil {
		return t, s.setupError("register a requester", err)
	}
	t.Requester = req.Token
	return t, nil
}

// seedPlaces adds the landmarks. A server that does not serve places yet
// (404) is fine: the simulation uses them all the same.
func (s *sim) seedPlaces(ctx context.Context) ([]Place, error) {
	out := make([]Place, 0, len(landmarks))
	for i, p := range landmarks {
		var got struct{ ID string }
		err := s.c.call(ctx, s.admin, "add place", "POST", "/api/v1/places", p, &got, 201, "not_found")
		var ae *apiError
		switch {
		case i == 0 && errors.As(err, &ae) && ae.Status == http.StatusNotFound:
			s.log.Info("demo: the server does not serve places; going on without them")
			return append(out, landmarks...), nil
		case fatal(err) || ctx.Err() != nil:
			return nil, s.setupError("add a place", err)
		case err == nil:
			p.ID = got.ID
			s.stats.places.Add(1)
		}
		out = append(out, p)
	}
	return out, nil
}

// seedRequesters registers the simulated schools, a residents' community
// and an elder-care station.
func (s *sim) seedRequesters(ctx context.Context) ([]*RequesterAccount, error) {
	type def struct{ name, kind string }
	var defs []def
	for i := 1; i <= s.cfg.Schools; i++ {
		defs = append(defs, def{schoolName(i), "school"})
	}
	defs = append(defs,
		def{"信江社区居委会 Xinjiang Residents' Committee", "community"},
		def{"梅园养老服务站 Meiyuan Elder-Care Station", "care_station"})
	var out []*RequesterAccount
	for i, d := range defs {
		acc, err := s.registerRequester(ctx, d.name, d.kind, fmt.Sprintf("0701-62%05d", 100+i))
		if err != nil {
			if fatal(err) || ctx.Err() != nil {
				return nil, s.setupError("register a requester", err)
			}
			continue
		}
		out = append(out, acc)
		s.stats.requesters.Add(1)
	}
	return out, nil
}

func (s *sim) registerRequester(ctx context.Context, name, kind, phone string) (*RequesterAccount, error) {
	var got struct{ ID, Token string }
	err := s.c.call(ctx, s.admin, "register requester", "POST", "/api/v1/requesters",
		map[string]any{"name": name, "kind": kind, "phone": phone}, &got, 201)
	if err != nil {
		return nil, err
	}
	return &RequesterAccount{ID: got.ID, Token: got.Token, Name: name, Kind: kind}, nil
}

// registerDriver registers a volunteer: most verified for minors, about
// one in ten with a wheelchair car, some with six seats.
func (s *sim) registerDriver(ctx context.Context, rng *rand.Rand) (*DriverAccount, error) {
	seats := 4
	if rng.Float64() < 0.15 {
		seats = 6
	}
	return s.registerDriverAs(ctx, rng, personName(rng), s.home(rng), seats, rng.Float64() < 0.1, rng.Float64() < 0.85)
}

func (s *sim) registerDriverAs(ctx context.Context, rng *rand.Rand, name string, home point, seats int, wheelchair, verified bool) (*DriverAccount, error) {
	var got struct{ ID, Token string }
	err := s.c.call(ctx, s.admin, "register driver", "POST", "/api/v1/drivers", map[string]any{
		"name":            name,
		"phone":           mobile(rng),
		"vehicle":         map[string]any{"plate": plate(rng), "seats": seats, "wheelchair": wheelchair},
		"verified_minors": verified,
		"home":            home,
	}, &got, 201)
	if err != nil {
		return nil, err
	}
	return &DriverAccount{ID: got.ID, Token: got.Token, Name: name, Home: home,
		Seats: seats, Wheelchair: wheelchair, VerifiedMinors: verified}, nil
}

// home is where a volunteer lives: near a community or a driver station.
func (s *sim) home(rng *rand.Rand) point {
	var around []Place
	for _, p := range s.places {
		if p.Kind == community || p.Kind == station {
			around = append(around, p)
		}
	}
	p := near(rng, around[rng.IntN(len(around))].point(), 1.2)
	return point{round6(p.Lat), round6(p.Lng)}
}

// gaokaoDay is the first day of the next national college entrance exam:
// 7 June, in China's time zone (UTC+8 all year).
func gaokaoDay(now time.Time) time.Time {
	cst := time.FixedZone("CST", 8*3600)
	now = now.In(cst)
	day := time.Date(now.Year(), time.June, 7, 0, 0, 0, 0, cst)
	if !now.Before(day) {
		day = day.AddDate(1, 0, 0)
	}
	return day
}

// seedCampaign creates the gaokao escort: a morning shift at every exam
// site on both exam days, for verified drivers, with a sign-up window open
// every day from midnight to 23:59 so that it is open now.
func (s *sim) seedCampaign(ctx context.Context) (*Campaign, error) {
	day := gaokaoDay(time.Now())
	name := fmt.Sprintf("%d 高考爱心送考 Gaokao Escort", day.Year())
	cars := max(2, s.cfg.Drivers/16)
	var shifts []map[string]any
	for d := range 2 {
		for _, site := range s.ofKind(examSite) {
			shifts = append(shifts, map[string]any{
				"date": day.AddDate(0, 0, d).Format("2006-01-02"), "start": "06:30", "end": "09:00",
				"area":            map[string]any{"lat": site.Lat, "lng": site.Lng, "radius_km": 3},
				"cars_needed":     cars,
				"verified_minors": true,
			})
		}
	}
	var got struct {
		ID     string  `json:"id"`
		Shifts []Shift `json:"shifts"`
	}
	err := s.c.call(ctx, s.admin, "create campaign", "POST", "/api/v1/campaigns", map[string]any{
		"name": name, "timezone": "Asia/Shanghai",
		"signup_opens": "0 0 * * *", "signup_closes": "59 23 * * *",
		"open_to_all": true, "shifts": shifts,
	}, &got, 201)
	if err != nil {
		return nil, err
	}
	return &Campaign{ID: got.ID, Name: name, Shifts: got.Shifts}, nil
}
