package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"

	"github.com/heartlink/heartlink/httpapi"
	"github.com/heartlink/heartlink/realtime"
	"github.com/heartlink/heartlink/redisstore"
	"github.com/heartlink/heartlink/scheduler"
	"github.com/heartlink/heartlink/web"
)

// serve runs the API and the dispatch worker until ctx ends.
func serve(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))

	rdb, stopStore, err := connect(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer stopStore()
	var redisCount redisCounter
	rdb.AddHook(&redisCount)

	store := redisstore.New(rdb, redisstore.Options{Prefix: cfg.Prefix, Policy: &cfg.Policy, Logger: log, History: cfg.History, Embedded: cfg.embedded()})
	if err := beginEpoch(ctx, store, cfg.embedded(), log); err != nil {
		return err
	}
	if err := bootstrapAdmin(ctx, store, cfg, log, stdout); err != nil {
		return err
	}
	if err := store.CheckHealth(ctx); err != nil {
		log.Warn("store health check", "err", err)
	}

	campaignsChanged := make(chan struct{}, 1)
	reg := prometheus.NewRegistry()
	api := httpapi.NewServer(httpapi.Config{
		Fleet: store, Dispatch: store, Policy: cfg.Policy,
		Limiter: store, Limits: cfg.Limits, TrustedProxies: cfg.TrustedProxies,
		Ready: store.Ready, ReadyDetails: readyDetails(store), Refuse: store.Refuse,
		Unavailable: redisstore.Unavailable,
		Logger:      log,
		Metrics:     promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
		MaxBody:     cfg.MaxBodySize,
		Campaigns:   store,
		OnCampaign: func() {
			select {
			case campaignsChanged <- struct{}{}:
			default:
			}
		},
		Recurring:   store,
		Plans:       store,
		Idempotency: store,
		Alerts:      store,
		Safety:      store,
		Reports:     store,
		Lost:        store,
		Gates:       store,
		MaxPhoto:    cfg.MaxPhotoSize,
		Privacy:     store,
		PublicURL:   cfg.PublicURL,
		Live: &httpapi.LiveConfig{
			Feed: store, Tickets: store, Replies: store, Mover: store, Sockets: store,
			Origins: cfg.Origins, LocationRate: cfg.LocationRate, FrameRate: cfg.FrameRate, BoardQueue: cfg.BoardQueue,
			BoardLinger: cfg.BoardLinger,
			PerAccount:  perAccount(cfg.PerAccount),
			Conn:        realtime.Options{WriteTimeout: cfg.LiveWriteTimeout},
		},
	})
	reg.MustRegister(append(api.Collectors(), storeCollectors(store)...)...)
	reg.MustRegister(redisCount.collectors()...)
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "heartlink_store_durable",
		Help: "1 when every change is on disk before Redis acknowledges it (AOF, appendfsync always, on every primary); 0 when acknowledged accepts could be lost.",
	}, func() float64 {
		if d, ok := store.Durability(); ok && d.Durable() {
			return 1
		}
		return 0
	}))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "heartlink_live_connections", Help: "Open websockets on this instance.",
	}, func() float64 { return float64(api.LiveConns()) }))
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	if cfg.DebugAddr != "" {
		stop, err := serveDebug(cfg.DebugAddr, log)
		if err != nil {
			return err
		}
		defer stop()
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           withPages(api),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		// The live channels lift it for their sockets.
		WriteTimeout: cfg.WriteTimeout,
		IdleTimeout:  2 * time.Minute,
		ErrorLog:     slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("listening", "addr", ln.Addr().String())

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, 4)
	wg.Go(func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("serve: %w", err)
		}
		cancel()
	})
	// Any long-running part that fails stops the whole process, rather than
	// leave an instance that answers /readyz but no longer works.
	fail := func(err error) {
		errc <- err
		cancel()
	}
	wg.Go(func() {
		if err := store.Run(ctx, cfg.Tick); err != nil {
			fail(err)
		}
	})
	wg.Go(func() {
		if err := store.RunPlanner(ctx, cfg.PlanEvery); err != nil {
			fail(err)
		}
	})
	wg.Go(func() {
		if err := store.RunHealth(ctx, cfg.RedisCheck); err != nil {
			fail(err)
		}
	})
	sched := scheduler.New(scheduler.NewRedisStore(rdb, store.KeyPrefix()), scheduler.SystemClock(), log)
	wg.Go(func() { reschedule(ctx, sched, store, log, campaignsChanged) })
	wg.Go(func() {
		if err := sched.Run(ctx); err != nil && ctx.Err() == nil {
			fail(fmt.Errorf("scheduler: %w", err))
		}
	})
	wg.Go(func() {
		// Sockets close with "going away" when ctx ends.
		if err := api.RunLive(ctx); err != nil && ctx.Err() == nil {
			fail(fmt.Errorf("live: %w", err))
		}
	})

	if cfg.Demo {
		wg.Go(func() {
			if err := runDemo(ctx, store, ln.Addr(), log, stdout); err != nil && ctx.Err() == nil {
				log.Error("demo", "err", err)
			}
		})
	}

	<-ctx.Done()
	log.Info("shutting down")
	shutCtx, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	if err := srv.Shutdown(shutCtx); err != nil {
		log.Warn("shutdown", "err", err)
	}
	wg.Wait()
	close(errc)
	return <-errc
}

// withPages serves the pages (and their files) beside the API: the three
// signed-in ones and the guardian link's, under /g/.
func withPages(api http.Handler) http.Handler {
	pages := web.Handler()
	mux := http.NewServeMux()
	for _, p := range []string{"/board", "/driver", "/request", "/static/", "/g/"} {
		mux.Handle(p, pages)
	}
	mux.Handle("/", api)
	return mux
}

// connect opens Redis, a Redis Cluster, or the embedded store when
// neither is configured. Both Redis kinds are one redis.UniversalClient,
// and everything past this point runs the same on either.
func connect(ctx context.Context, cfg config, log *slog.Logger) (redis.UniversalClient, func(), error) {
	var rdb redis.UniversalClient
	var at string    // names the store in the error that ends a start
	var logged []any // and in the log
	switch {
	case len(cfg.RedisCluster) > 0:
		opt, err := clusterOptions(cfg.RedisCluster)
		if err != nil {
			return nil, nil, fmt.Errorf("-redis-cluster: %w", err)
		}
		clusterTimeouts(opt, cfg.RedisTimeout)
		rdb = redis.NewClusterClient(opt)
		at = "redis cluster at " + strings.Join(opt.Addrs, ",")
		logged = []any{"cluster", strings.Join(opt.Addrs, ",")}
	case cfg.RedisURL != "":
		opt, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			return nil, nil, fmt.Errorf("-redis: %w", err)
		}
		withTimeouts(opt, cfg.RedisTimeout)
		rdb = redis.NewClient(opt)
		at = "redis at " + opt.Addr
		logged = []any{"addr", opt.Addr, "db", opt.DB}
	default:
		return embedded(log, cfg.RedisTimeout)
	}
	if err := waitForStore(ctx, cfg.RedisWait, log, func(ctx context.Context) error { return redisstore.Probe(ctx, rdb) }); err != nil {
		rdb.Close()
		return nil, nil, fmt.Errorf("%s: %w", at, err)
	}
	log.Info("store: redis", append(logged, "prefix", cfg.Prefix)...)
	return rdb, func() { rdb.Close() }, nil
}

// clusterOptions reads -redis-cluster: host:port seeds, or one redis://
// URL (user, password, TLS, more seeds as addr=host:port).
func clusterOptions(seeds []string) (*redis.ClusterOptions, error) {
	if len(seeds) == 1 && strings.Contains(seeds[0], "://") {
		return redis.ParseClusterURL(seeds[0])
	}
	for _, a := range seeds {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return nil, fmt.Errorf("%q: want host:port: %w", a, err)
		}
	}
	return &redis.ClusterOptions{Addrs: seeds}, nil
}

// withTimeouts bounds every call to Redis by d, and by the caller's
// deadline when that is sooner (/readyz's, say): a frozen Redis fails a
// request within about d (one retry on a fresh connection at most)
// instead of holding it for go-redis's defaults of seconds per try.
func withTimeouts(opt *redis.Options, d time.Duration) {
	opt.DialTimeout = d
	opt.ReadTimeout = d
	opt.WriteTimeout = d
	opt.PoolTimeout = d
	opt.ContextTimeoutEnabled = true
	opt.MaxRetries = 1
}

// clusterTimeouts is withTimeouts for a cluster's nodes. Redirections
// (MOVED, ASK while a slot migrates) are followed at once and do not count
// as retries; TRYAGAIN and CLUSTERDOWN are retried after a short pause,
// up to go-redis's three redirections, then answered 503.
func clusterTimeouts(opt *redis.ClusterOptions, d time.Duration) {
	opt.DialTimeout = d
	opt.ReadTimeout = d
	opt.WriteTimeout = d
	opt.PoolTimeout = d
	opt.ContextTimeoutEnabled = true
	opt.MaxRetries = 1
}

// beginEpoch makes sure the store holds the fleet's epoch. A store without
// one holds a new fleet: a first start, or a store that lost its data,
// which a start cannot tell apart. A running instance whose store lost its
// data refuses to serve (see redisstore's health.go); restarting it begins
// a new fleet, with only the first coordinator, as logged here.
func beginEpoch(ctx context.Context, store *redisstore.Store, embedded bool, log *slog.Logger) error {
	e, err := store.BeginEpoch(ctx)
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	switch {
	case e.Began && e.Existing:
		log.Info("store: the fleet's epoch is set (the fleet began before epochs)", "fleet_epoch", e.ID)
	case e.Began && embedded:
		log.Info("store: a new fleet begins", "fleet_epoch", e.ID)
	case e.Began:
		log.Warn("store: empty: a new fleet begins, with only the first coordinator. "+
			"On a first start that is as it should be; if this fleet ran before, its store lost its data "+
			"(drivers, requesters, trips, tokens): stop, and restore Redis from a backup", "fleet_epoch", e.ID)
	default:
		log.Info("store: the fleet's data is there", "fleet_epoch", e.ID)
	}
	return nil
}

// bootstrapAdmin makes sure a first coordinator exists. A generated token
// is printed once, to stdout, never to the log.
func bootstrapAdmin(ctx context.Context, store *redisstore.Store, cfg config, log *slog.Logger, stdout io.Writer) error {
	id, tok, err := store.EnsureAdmin(ctx, cfg.AdminToken)
	if err != nil {
		return fmt.Errorf("bootstrap coordinator: %w", err)
	}
	if err := store.MarkInactiveTokens(ctx); err != nil {
		return err
	}
	switch {
	case cfg.AdminToken != "":
		log.Info("coordinator token taken from HEARTLINK_ADMIN_TOKEN", "coordinator", id)
	case tok != "":
		fmt.Fprintf(stdout, "\nFirst coordinator's token (shown once; keep it safe, or set HEARTLINK_ADMIN_TOKEN):\n\n    %s\n\n", tok)
	default:
		log.Info("coordinator token was printed at first start; set HEARTLINK_ADMIN_TOKEN to replace it", "coordinator", id)
	}
	return nil
}

// readyDetails shows in /readyz how durable the store is.
func readyDetails(s *redisstore.Store) func() map[string]any {
	return func() map[string]any {
		if d, ok := s.Durability(); ok {
			return map[string]any{"durability": d}
		}
		return nil
	}
}

// storeCollectors exposes the dispatcher's counters.
func storeCollectors(s *redisstore.Store) []prometheus.Collector {
	counter := func(name, help string, f func(redisstore.Stats) int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return float64(f(s.Stats())) })
	}
	return []prometheus.Collector{
		counter("heartlink_offers_total", "Offers made to drivers.", func(st redisstore.Stats) int64 { return st.Offered }),
		counter("heartlink_accepts_total", "Trips accepted, claimed or assigned.", func(st redisstore.Stats) int64 { return st.Accepted }),
		counter("heartlink_declines_total", "Offers declined.", func(st redisstore.Stats) int64 { return st.Declined }),
		counter("heartlink_expiries_total", "Offers expired.", func(st redisstore.Stats) int64 { return st.Expired }),
		counter("heartlink_unassigned_total", "Trips nobody took.", func(st redisstore.Stats) int64 { return st.Unassigned }),
	}
}

// perAccount turns the setting's 0 ("no limit") into LiveConfig's.
func perAccount(n int) int {
	if n == 0 {
		return -1
	}
	return n
}
