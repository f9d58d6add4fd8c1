// Package scheduler runs cron jobs — opening volunteer sign-up windows,
// reminding drivers before a shift, creating recurring hospital trips — so
// that each firing happens once across any number of identical instances,
// on a clock that tests control, and with missed firings reconciled after
// downtime.
//
// Schedules are parsed by robfig/cron and computed in each job's time zone;
// the runner is this package's own. Instances agree on a firing by its
// scheduled instant and claim it in a shared Store (Redis in production and
// the embedded miniredis, both through NewRedisStore) before running it.
//
// The package imports no domain package (fleet, dispatch, ...) and not the
// root heartlink package: callers wrap their work in a Job's Run.
package scheduler
