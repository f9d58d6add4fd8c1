package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/report"
)

// The lists of reports a caller may page through.
const (
	reportsAll        = "reports"
	reportsUnresolved = "reports:unresolved"
	reportsOwn        = "reports:own"
)

// FileReport files driver by's report d with photos, and tells every board
// at once.
func (s *Store) FileReport(ctx context.Context, by heartlink.Principal, d report.Draft, photos []report.Upload) (report.Report, error) {
	if !by.Is(heartlink.RoleDriver) {
		return report.Report{}, heartlink.Errorf(heartlink.EForbidden, "only drivers file reports; coordinators see them on the board")
	}
	if err := d.Validate(); err != nil {
		return report.Report{}, err
	}
	if len(photos) > report.MaxPhotos {
		return report.Report{}, heartlink.FieldError(heartlink.EInvalid, "photo", "a report has at most %d photos, not %d", report.MaxPhotos, len(photos))
	}
	now := s.now().Truncate(time.Millisecond) // as stored
	r := report.Report{ID: newID("rep"), DriverID: by.ID, Kind: d.Kind, Status: report.Open,
		Location: *d.Location, Note: d.Note, Photos: []report.Photo{}, CreatedAt: now, UpdatedAt: now}
	types := make([]string, len(photos))
	for i, p := range photos {
		types[i] = p.ContentType + ":" + strconv.Itoa(len(p.Data))
		r.Photos = append(r.Photos, report.Photo{URL: report.PhotoURL(r.ID, i+1), ContentType: p.ContentType, Bytes: len(p.Data)})
	}
	data, _ := json.Marshal(r)
	keys := []string{s.keys.report(r.ID), s.keys.reports(), s.keys.reportsUnresolved(), s.keys.driverReports(by.ID),
		s.keys.reportAudit(r.ID), s.keys.events()}
	args := []any{r.ID, ms(now), by.ID, by.String(), string(d.Kind), d.Location.Lat, d.Location.Lng, d.Note,
		strings.Join(types, ","), data}
	for i, p := range photos {
		keys = append(keys, s.keys.reportPhoto(r.ID, i+1))
		args = append(args, p.Data)
	}
	if err := s.scripts.reportFile.Run(ctx, s.rdb, keys, args...).Err(); err != nil {
		return report.Report{}, wrap(err, "file report")
	}
	s.log.Info("report filed", "report", r.ID, "driver", by.ID, "kind", r.Kind, "photos", len(photos))
	return r, nil
}

// Report reads one report: its driver's, and coordinators'. Another
// driver is refused as if it were not there.
func (s *Store) Report(ctx context.Context, by heartlink.Principal, id string) (report.Report, error) {
	if !by.Is(heartlink.RoleCoordinator) && !by.Is(heartlink.RoleDriver) {
		return report.Report{}, heartlink.Errorf(heartlink.EForbidden, "only coordinators and the driver who filed it see a report")
	}
	r, err := s.report(ctx, id)
	if err != nil {
		return report.Report{}, err
	}
	if by.Is(heartlink.RoleDriver) && r.DriverID != by.ID {
		return report.Report{}, heartlink.Errorf(heartlink.EForbidden, "report %q is another driver's", id)
	}
	return r, nil
}

// ReportPhoto reads photo n (from 1) of a report, for whoever may read
// the report.
func (s *Store) ReportPhoto(ctx context.Context, by heartlink.Principal, id string, n int) ([]byte, string, error) {
	r, err := s.Report(ctx, by, id)
	if err != nil {
		return nil, "", err
	}
	if n < 1 || n > len(r.Photos) {
		return nil, "", heartlink.Errorf(heartlink.ENotFound, "report %q has no photo %d", id, n)
	}
	b, err := s.rdb.Get(ctx, s.keys.reportPhoto(id, n)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, "", heartlink.Errorf(heartlink.ENotFound, "report %q has no photo %d", id, n)
	}
	if err != nil {
		return nil, "", wrap(err, "report photo")
	}
	return b, r.Photos[n-1].ContentType, nil
}

// Reports lists reports, newest first: every one to coordinators, their
// own to drivers. A page may hold fewer than Limit when Status leaves some
// out; next is "" at the end.
func (s *Store) Reports(ctx context.Context, by heartlink.Principal, f report.Filter) ([]report.Report, string, error) {
	key, list := s.keys.reports(), reportsAll
	switch {
	case by.Is(heartlink.RoleDriver):
		key, list = s.keys.driverReports(by.ID), reportsOwn
	case !by.Is(heartlink.RoleCoordinator):
		return nil, "", heartlink.Errorf(heartlink.EForbidden, "only coordinators and drivers see reports")
	case f.Unresolved || f.Status == report.Open || f.Status == report.Forwarded:
		key, list = s.keys.reportsUnresolved(), reportsUnresolved
	}
	limit := f.Limit
	if limit == 0 {
		limit = 100
	}
	ids, next, err := s.zlist(ctx, key, list, true, limit, f.Cursor)
	if err != nil {
		return nil, "", err
	}
	all, err := s.reportsByID(ctx, ids)
	if err != nil {
		return nil, "", err
	}
	out := make([]report.Report, 0, len(all))
	for _, r := range all {
		if (f.Status == "" || r.Status == f.Status) && (!f.Unresolved || r.Status != report.Resolved) {
			out = append(out, r)
		}
	}
	return out, next, nil
}

// UnresolvedReports are the reports a board shows, newest first (at most
// 200): open and forwarded ones.
func (s *Store) UnresolvedReports(ctx context.Context, by heartlink.Principal) ([]report.Report, error) {
	if err := mustCoordinator(by); err != nil {
		return nil, err
	}
	list, _, err := s.Reports(ctx, by, report.Filter{Unresolved: true, Limit: 200})
	return list, err
}

// UpdateReport records a coordinator's word on a report: forwarded (to
// whom) or resolved, with a note for the reporter. Boards and the reporter
// are told. A resolved report is a conflict.
func (s *Store) UpdateReport(ctx context.Context, by heartlink.Principal, id string, u report.Update) (report.Report, error) {
	if err := mustCoordinator(by); err != nil {
		return report.Report{}, heartlink.Errorf(heartlink.EForbidden, "only coordinators forward or resolve reports")
	}
	if err := u.Validate(); err != nil {
		return report.Report{}, err
	}
	for range 5 {
		r, err := s.report(ctx, id)
		if err != nil {
			return report.Report{}, err
		}
		if err := report.MayChange(r.Status); err != nil {
			return report.Report{}, err
		}
		was := r.Status
		r = report.Apply(r, u, by.String(), s.now().Truncate(time.Millisecond))
		data, _ := json.Marshal(r)
		res, err := s.scripts.reportUpdate.Run(ctx, s.rdb,
			[]string{s.keys.report(id), s.keys.reportsUnresolved(), s.keys.reportAudit(id), s.keys.events()},
			id, ms(r.UpdatedAt), by.String(), string(was), string(u.Status), u.ForwardedTo, u.Note, data, r.DriverID).Text()
		if err != nil {
			return report.Report{}, wrap(err, "update report")
		}
		switch res {
		case "ok":
			s.log.Info("report updated", "report", id, "status", r.Status, "by", by.String())
			return r, nil
		case "missing":
			return report.Report{}, heartlink.Errorf(heartlink.ENotFound, "no report %q", id)
		}
		// "changed": another coordinator got there first; read it again.
	}
	return report.Report{}, heartlink.Errorf(heartlink.EConflict, "report %q changed as it was updated: read it again", id)
}

// report reads one report; a missing one is ENotFound.
func (s *Store) report(ctx context.Context, id string) (report.Report, error) {
	list, err := s.reportsByID(ctx, []string{id})
	if err != nil {
		return report.Report{}, err
	}
	if len(list) == 0 {
		return report.Report{}, heartlink.Errorf(heartlink.ENotFound, "no report %q", id)
	}
	return list[0], nil
}

// reportsByID reads reports in one round trip, in the order of ids,
// leaving out those gone.
func (s *Store) reportsByID(ctx context.Context, ids []string) ([]report.Report, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGetAll(ctx, s.keys.report(id))
		}
		return nil
	}); err != nil {
		return nil, wrap(err, "reports")
	}
	out := make([]report.Report, 0, len(ids))
	for _, c := range cmds {
		if h := c.Val(); len(h) > 0 {
			out = append(out, reportFrom(h))
		}
	}
	return out, nil
}

// reportFrom is a report from its stored hash.
func reportFrom(h map[string]string) report.Report {
	num := func(k string) int64 { n, _ := strconv.ParseInt(h[k], 10, 64); return n }
	lat, _ := strconv.ParseFloat(h["lat"], 64)
	lng, _ := strconv.ParseFloat(h["lng"], 64)
	r := report.Report{
		ID: h["id"], DriverID: h["driver"], Kind: report.Kind(h["kind"]), Status: report.Status(h["status"]),
		Location: heartlink.Point{Lat: lat, Lng: lng}, Note: h["note"], Photos: []report.Photo{},
		CreatedAt: fromMs(num("created")), UpdatedAt: fromMs(num("updated")),
		ForwardedTo: h["forwarded_to"], Outcome: h["outcome"], UpdatedBy: h["updated_by"],
	}
	if h["photos"] != "" {
		for i, p := range strings.Split(h["photos"], ",") {
			typ, size, _ := strings.Cut(p, ":")
			n, _ := strconv.Atoi(size)
			r.Photos = append(r.Photos, report.Photo{URL: report.PhotoURL(r.ID, i+1), ContentType: typ, Bytes: n})
		}
	}
	return r
}
