package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/heartlink/heartlink/planner"
	"github.com/heartlink/heartlink/planner/examday"
)

// morning is one run: the instance, the accounts made for it, and what the
// volunteers were told.
type morning struct {
	cfg     config
	log     *slog.Logger
	in      *examday.Instance
	problem *planner.Problem
	opts    planner.Options
	day     time.Time // what the instance's seconds count from: midnight of the exam day in Shanghai, or earlier with -start-in
	run     string    // this run's tag, in names

	admin   *client
	schools []*client
	drivers []*volunteer
	sites   map[planner.SiteID]string // site → place name

	mu       sync.Mutex // mu guards tripOf, assigned, silent and abandoned
	tripOf   map[string]planner.StudentID
	assigned map[string]string // trip → the driver it was last given to
	silent   map[string]bool   // volunteers who went silent
	// abandoned are the trips silent volunteers had accepted.
	abandoned map[string]bool
	lastNews  atomic.Int64 // unix ms of the last assignment

	rng   *rand.Rand
	rngMu sync.Mutex // rngMu guards rng

	answers answerCounts
}

type answerCounts struct {
	routesAccepted, routesDeclined, offersAccepted, offersDeclined, refused atomic.Int64
}

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

func newMorning(c config, log *slog.Logger) (*morning, error) {
	f, err := os.Open(c.Instance)
	if err != nil {
		return nil, fmt.Errorf("instance: %w", err)
	}
	defer f.Close()
	in, err := examday.ReadInstance(f)
	if err != nil {
		return nil, fmt.Errorf("instance %s: %w", c.Instance, err)
	}
	p, err := in.Problem()
	if err != nil {
		return nil, err
	}
	tomorrow := time.Now().In(shanghai).AddDate(0, 0, 1)
	day := time.Date(tomorrow.Year(), tomorrow.Month(), tomorrow.Day(), 0, 0, 0, 0, shanghai)
	if c.StartIn > 0 {
		first := p.Students[0].Earliest
		for _, s := range p.Students {
			first = min(first, s.Earliest)
		}
		// On a whole minute, as the availability the volunteers state is.
		day = time.Now().Add(c.StartIn).Add(-time.Duration(first) * time.Second).Truncate(time.Minute)
	}
	return &morning{
		cfg: c, log: log, in: in, problem: p, opts: in.Options(planner.Options{}),
		day: day, silent: map[string]bool{}, abandoned: map[string]bool{},
		run:   strconv.FormatInt(time.Now().UnixMilli()%1_000_000, 36),
		admin: &client{base: c.URL, token: c.Token}, sites: map[planner.SiteID]string{},
		tripOf: map[string]planner.StudentID{}, assigned: map[string]string{},
		rng: rand.New(rand.NewPCG(uint64(c.Seed), 1)),
	}, nil
}

func (m *morning) at(s planner.Seconds) time.Time { return m.day.Add(time.Duration(s) * time.Second) }

// date is the city's day of the morning's first pick-up.
func (m *morning) date() string {
	return m.at(m.problem.Students[0].Earliest).In(shanghai).Format(time.DateOnly)
}

func (m *morning) chance() float64 {
	m.rngMu.Lock()
	defer m.rngMu.Unlock()
	return m.rng.Float64()
}

// pause is a volunteer reading an offer.
func (m *morning) pause() time.Duration {
	span := m.cfg.PauseMax - m.cfg.PauseMin
	return m.cfg.PauseMin + time.Duration(m.chance()*float64(span))
}

// play runs the morning and scores it.
func (m *morning) play(ctx context.Context) (*result, error) {
	start := time.Now()
	if err := m.setUp(ctx); err != nil {
		return nil, err
	}
	defer m.hangUp()
	m.log.Info("accounts ready", "drivers", len(m.drivers), "schools", len(m.schools), "took", time.Since(start).Round(time.Millisecond))
	bookStart := time.Now()
	if err := m.book(ctx); err != nil {
		return nil, err
	}
	booked := time.Since(bookStart)
	m.log.Info("students booked", "trips", len(m.tripOf), "took", booked.Round(time.Millisecond))

	date := m.date()
	var plan struct {
		Routes []struct {
			ID string `json:"id"`
		} `json:"routes"`
		Unserved []string `json:"unserved"`
	}
	planStart := time.Now()
	for {
		err := m.admin.do(ctx, http.MethodPost, "/api/v1/plans/"+date+"/publish", nil, &plan, http.StatusOK)
		var ae *apiError
		if errors.As(err, &ae) && ae.Code == "conflict" {
			time.Sleep(time.Second) // the service's own planning run holds the lock
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("publish the day: %w", err)
		}
		break
	}
	m.log.Info("day published", "routes", len(plan.Routes), "unserved", len(plan.Unserved), "took", time.Since(planStart).Round(time.Millisecond))
	m.lastNews.Store(time.Now().UnixMilli())
	// Wait until every student has a driver, or nothing has moved for a
	// while (offers time out after tens of seconds; routes after minutes).
	quiet := 45*time.Second + 2*m.cfg.PauseMax
	if m.cfg.Silent > 0 {
		quiet = 3 * time.Minute // the service waits for a silent driver before rescuing
	}
	for {
		if m.settled() || time.Since(time.UnixMilli(m.lastNews.Load())) > quiet {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	carried := time.Since(planStart)
	res, err := m.score(ctx)
	if err != nil {
		return nil, err
	}
	res.BookSeconds, res.CarrySeconds = booked.Seconds(), carried.Seconds()
	res.RoutesAccepted, res.RoutesDeclined = m.answers.routesAccepted.Load(), m.answers.routesDeclined.Load()
	res.OffersAccepted, res.OffersDeclined, res.Refused = m.answers.offersAccepted.Load(), m.answers.offersDeclined.Load(), m.answers.refused.Load()
	m.mu.Lock()
	res.SilentDrivers, res.Abandoned = len(m.silent), len(m.abandoned)
	m.mu.Unlock()
	return res, nil
}

// setUp makes the places, schools and volunteers of the morning, and puts
// every volunteer online on their socket.
func (m *morning) setUp(ctx context.Context) error {
	for _, s := range m.in.Sites {
		name := fmt.Sprintf("Exam site %s (%s)", s.ID, m.run)
		body := map[string]any{"name": name, "kind": "exam_site", "lat": *s.Lat, "lng": *s.Lon, "address": "Gate 1"}
		if err := m.admin.do(ctx, http.MethodPost, "/api/v1/places", body, nil, http.StatusCreated); err != nil {
			return fmt.Errorf("place: %w", err)
		}
		m.sites[planner.SiteID(s.ID)] = name
	}
	for i := range m.cfg.Schools {
		var made struct {
			Token string `json:"token"`
		}
		body := map[string]any{"name": fmt.Sprintf("School %d (%s)", i+1, m.run), "kind": "school", "phone": "0701-6221234"}
		if err := m.admin.do(ctx, http.MethodPost, "/api/v1/requesters", body, &made, http.StatusCreated); err != nil {
			return fmt.Errorf("school: %w", err)
		}
		m.schools = append(m.schools, &client{base: m.cfg.URL, token: made.Token})
	}
	date := m.date()
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	m.drivers = make([]*volunteer, len(m.problem.Cars))
	for i, car := range m.problem.Cars {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			v, err := m.volunteer(ctx, i, car, date)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			m.drivers[i] = v
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// book has the schools book every student: the first half of the schools
// send their students as one CSV list, the others one request each.
func (m *morning) book(ctx context.Context) error {
	bySchool := make([][]planner.Student, len(m.schools))
	for i, s := range m.problem.Students {
		bySchool[i%len(m.schools)] = append(bySchool[i%len(m.schools)], s)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(m.schools))
	for k, students := range bySchool {
		wg.Go(func() {
			if k < (len(m.schools)+1)/2 {
				errs[k] = m.bookList(ctx, m.schools[k], students)
			} else {
				errs[k] = m.bookEach(ctx, m.schools[k], students)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (m *morning) bookList(ctx context.Context, school *client, students []planner.Student) error {
	var b bytes.Buffer
	b.WriteString("name,phone,pickup_lat,pickup_lng,pickup_address,exam_site,arrive_by,pickup_after,wheelchair\n")
	for _, s := range students {
		wc := "no"
		if s.Wheelchair {
			wc = "yes"
		}
		fmt.Fprintf(&b, "Student %d,139%08d,%.6f,%.6f,Home %d,%s,%s,%s,%s\n", s.ID, int(s.ID), s.Pickup.Lat, s.Pickup.Lng, s.ID,
			m.sites[s.Site], m.at(s.ArriveBy).Format(time.RFC3339), m.at(s.Earliest).Format(time.RFC3339), wc)
	}
	var got struct {
		Trips []struct {
			ID string `json:"id"`
		} `json:"trips"`
	}
	if err := school.csv(ctx, "/api/v1/trips/import", b.Bytes(), &got); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if len(got.Trips) != len(students) {
		return fmt.Errorf("import booked %d of %d", len(got.Trips), len(students))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, t := range got.Trips {
		m.tripOf[t.ID] = students[i].ID
	}
	return nil
}

func (m *morning) bookEach(ctx context.Context, school *client, students []planner.Student) error {
	site := map[planner.SiteID]planner.Point{}
	for _, s := range m.problem.Students {
		site[s.Site] = s.SitePos
	}
	for _, s := range students {
		body := map[string]any{
			"kind":         "exam_escort",
			"pickup":       map[string]any{"lat": s.Pickup.Lat, "lng": s.Pickup.Lng, "address": fmt.Sprintf("Home %d", s.ID)},
			"dropoff":      map[string]any{"lat": s.SitePos.Lat, "lng": s.SitePos.Lng, "address": m.sites[s.Site]},
			"riders":       []map[string]string{{"name": fmt.Sprintf("Student %d", s.ID), "phone": fmt.Sprintf("139%08d", int(s.ID))}},
			"pickup_after": m.at(s.Earliest).Format(time.RFC3339),
			"arrive_by":    m.at(s.ArriveBy).Format(time.RFC3339),
			"wheelchair":   s.Wheelchair,
		}
		var t struct {
			ID string `json:"id"`
		}
		if err := school.do(ctx, http.MethodPost, "/api/v1/trips", body, &t, http.StatusCreated); err != nil {
			return fmt.Errorf("book student %d: %w", s.ID, err)
		}
		m.mu.Lock()
		m.tripOf[t.ID] = s.ID
		m.mu.Unlock()
	}
	return nil
}

// gotAssigned records that a trip has its driver.
func (m *morning) gotAssigned(tripID, driverID string) {
	m.mu.Lock()
	m.assigned[tripID] = driverID
	m.mu.Unlock()
	m.lastNews.Store(time.Now().UnixMilli())
}

// settled reports whether every student has a driver who still answers.
func (m *morning) settled() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.assigned) < len(m.tripOf) {
		return false
	}
	for _, d := range m.assigned {
		if m.silent[d] {
			return false
		}
	}
	return true
}

func (m *morning) hangUp() {
	for _, v := range m.drivers {
		if v != nil {
			v.close()
		}
	}
}
