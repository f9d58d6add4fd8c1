// The coordinators' live board: a map of the city drawn as SVG (no tiles),
// counters, alerts with their actions, the trip table and campaign fills
// with each shift's route plan, kept up to date over /ws/board.

import {
  t, initLang, initSignin, api, apiBlob, say, h, s, fmtTime, fmtNumber, statusLabel, LiveSocket, connectionSayer,
  OPEN, ACTIVE, STATUSES,
} from './common.js';
import { Projection } from './map.js';

const state = {
  drivers: new Map(), // driver_id → {driver_id, name, status, lat, lng, vehicle}
  roster: new Map(), // driver_id → {name, vehicle} from GET /drivers
  trips: new Map(), // id → trip (highest version)
  alerts: new Map(), // trip_id → reason
  places: [],
  campaigns: new Map(), // id → campaign with shifts
  plans: new Map(), // "campaign/shift" → RoutePlan (routes with their status)
  planUi: new Map(), // "campaign/shift" → {busy, error}
  planChecked: new Set(), // "campaign/shift" whose plan was asked for at least once
  sos: new Map(), // SOS id → the open SOS as the board shows it (driver, trip, riders to call)
  reports: new Map(), // report id → an unresolved report from the road
  lost: new Map(), // item id → an item found in a car, not yet handed back
  arrivals: [], // today's exam sites: expected, arrived, on the way, planned, at risk
};

const dirty = { map: true, trips: true, alerts: true, counters: true, campaigns: true, sos: true, reports: true, lost: true };
let renderTimer = 0;
let socket = null;
let timers = [];

function schedule(...what) {
  for (const w of what) dirty[w] = true;
  if (!renderTimer) renderTimer = setTimeout(render, 60);
}

function render() {
  renderTimer = 0;
  if (dirty.map) { dirty.map = false; renderMap(); }
  if (dirty.counters) { dirty.counters = false; renderCounters(); }
  if (dirty.alerts) { dirty.alerts = false; renderAlerts(); }
  if (dirty.trips) { dirty.trips = false; renderTrips(); }
  if (dirty.campaigns) { dirty.campaigns = false; renderCampaigns(); }
  if (dirty.sos) { dirty.sos = false; renderSOS(); }
  if (dirty.reports) { dirty.reports = false; renderReports(); }
  if (dirty.lost) { dirty.lost = false; renderLost(); }
}

// ---------- state changes ----------

function driverName(id) {
  const d = state.drivers.get(id) || state.roster.get(id);
  return d && d.name ? d.name : id;
}
function driverPlate(id) {
  const d = state.drivers.get(id) || state.roster.get(id);
  return d && d.vehicle ? d.vehicle.plate : '';
}

function mergeTrip(tr) {
  if (!tr || !tr.id) return;
  const old = state.trips.get(tr.id);
  if (old && typeof old.version === 'number' && typeof tr.version === 'number' && old.version > tr.version) return;
  if (old && !tr.driver && old.driver && old.driver.id === tr.driver_id) tr = { ...tr, driver: old.driver };
  state.trips.set(tr.id, tr);
  const alert = state.alerts.get(tr.id);
  if (!OPEN.has(tr.status)) state.alerts.delete(tr.id);
  else if (tr.status === 'unassigned') state.alerts.set(tr.id, 'unassigned');
  else if (alert === 'unassigned') state.alerts.delete(tr.id); // requeued: searching again
  schedule('map', 'trips', 'alerts', 'counters');
}

let rosterTimer = 0;
function mergeDriver(d) {
  const old = state.drivers.get(d.driver_id) || {};
  state.drivers.set(d.driver_id, { ...old, ...d });
  for (const a of state.sos.values()) {
    // the map follows a driver in trouble as their app moves
    if (a.driver_id === d.driver_id && typeof d.lat === 'number') {
      a.location = { lat: d.lat, lng: d.lng };
      schedule('sos');
    }
  }
  if (!d.name && !old.name && !state.roster.has(d.driver_id) && !rosterTimer) {
    rosterTimer = setTimeout(() => { rosterTimer = 0; loadRoster(); }, 2000);
  }
  schedule('map', 'counters', 'alerts');
}

function onFrame(f) {
  const d = f.data || {};
  switch (f.type) {
    case 'snapshot':
      state.drivers.clear();
      for (const x of d.drivers || []) state.drivers.set(x.driver_id, x);
      state.alerts.clear();
      for (const tr of d.trips || []) mergeTrip(tr);
      for (const a of d.alerts || []) state.alerts.set(a.trip_id, a.reason);
      for (const a of d.alerts || []) if (!state.trips.has(a.trip_id)) fetchTrip(a.trip_id);
      state.sos.clear();
      for (const a of d.sos || []) state.sos.set(a.id, a);
      if (state.sos.size) say(t('sos.alert', { name: [...state.sos.values()].map(sosWho).join(', ') }), 'error');
      schedule('sos');
      state.reports.clear();
      for (const r of d.reports || []) state.reports.set(r.id, r);
      schedule('reports');
      loadLost(); // not in the snapshot: read on every (re)connect
      loadArrivals();
      loadTrips();
      reloadPlans(); // frames missed while disconnected
      schedule('map', 'trips', 'alerts', 'counters');
      break;
    case 'driver':
      mergeDriver(d);
      break;
    case 'trip':
      mergeTrip(d);
      arrivalsSoon();
      break;
    case 'alert':
      state.alerts.set(d.trip_id, d.reason);
      if (!state.trips.has(d.trip_id)) fetchTrip(d.trip_id);
      say(t('board.newAlert', { id: d.trip_id }), 'warn');
      schedule('alerts', 'counters', 'trips');
      break;
    case 'sos': {
      const fresh = !state.sos.has(d.id);
      state.sos.set(d.id, d);
      if (fresh) say(t('sos.alert', { name: sosWho(d) }), 'error');
      schedule('sos', 'map');
      break;
    }
    case 'sos_resolved':
      if (state.sos.delete(d.id)) say(t('sos.resolved'));
      schedule('sos', 'map');
      break;
    case 'lost_item':
      if (d.status === 'returned') state.lost.delete(d.id);
      else state.lost.set(d.id, d);
      schedule('lost');
      break;
    case 'report':
      if (d.status === 'resolved') state.reports.delete(d.id);
      else {
        if (!state.reports.has(d.id)) say(t('report.new', { kind: t('report.kind.' + d.kind), name: driverName(d.driver_id) }), 'warn');
        state.reports.set(d.id, d);
      }
      schedule('reports');
      break;
    case 'alert_closed':
      state.alerts.delete(d.trip_id);
      schedule('alerts', 'counters', 'trips');
      break;
    case 'plan':
      if (d.campaign_id && d.shift_id && !planUi(planKey(d.campaign_id, d.shift_id)).busy) planUi(planKey(d.campaign_id, d.shift_id)).error = '';
      loadPlan(d.campaign_id, d.shift_id);
      break;
    case 'route':
      onRouteFrame(d);
      break;
    case 'shift_fill': {
      const c = state.campaigns.get(d.campaign_id);
      const sh = c && (c.shifts || []).find((x) => x.id === d.shift_id);
      if (sh) {
        sh.confirmed = d.confirmed;
        sh.waiting = d.waiting;
        schedule('campaigns');
      } else {
        loadCampaigns();
      }
      break;
    }
    default:
      break;
  }
}

// ---------- loading ----------

async function fetchTrip(id) {
  try { mergeTrip(await api('GET', '/trips/' + encodeURIComponent(id))); } catch { /* shown as id only */ }
}

function applyRoster(r) {
  for (const d of (r && r.drivers) || []) state.roster.set(d.id, { name: d.name, vehicle: d.vehicle });
  schedule('map', 'alerts', 'trips', 'campaigns');
}

async function loadRoster() {
  try { applyRoster(await api('GET', '/drivers')); } catch { /* names fall back to ids */ }
}

async function loadTrips() {
  try {
    const r = await api('GET', '/trips?limit=500');
    for (const tr of r.trips || []) mergeTrip(tr);
  } catch (e) { say(e.message, 'error'); }
}

async function loadPlaces() {
  try {
    const r = await api('GET', '/places');
    state.places = (r && (r.places || r)) || [];
    if (!Array.isArray(state.places)) state.places = [];
  } catch { state.places = []; }
  schedule('map');
}

async function loadCampaigns() {
  try {
    const r = await api('GET', '/campaigns');
    const list = r.campaigns || [];
    const full = await Promise.all(list.map((c) => api('GET', '/campaigns/' + encodeURIComponent(c.id)).catch(() => c)));
    state.campaigns.clear();
    for (const c of full) state.campaigns.set(c.id, c);
    // plans are read once per shift, then kept live by plan and route frames
    for (const c of full) {
      for (const sh of c.shifts || []) if (!state.planChecked.has(planKey(c.id, sh.id))) loadPlan(c.id, sh.id);
    }
  } catch (e) {
    state.campaigns.clear();
    if (e.status !== 404) say(e.message, 'error');
  }
  schedule('campaigns');
}

// ---------- map ----------

const projection = new Projection(1000, 640, 36);
const els = { drivers: new Map(), trips: new Map(), open: new Map(), routes: new Map() };

function busyDrivers() {
  const busy = new Set();
  for (const tr of state.trips.values()) if (ACTIVE.has(tr.status) && tr.driver_id) busy.add(tr.driver_id);
  return busy;
}

function renderMap() {
  const svg = document.getElementById('map');
  const pts = [];
  for (const p of state.places) pts.push(p);
  for (const d of state.drivers.values()) if (typeof d.lat === 'number') pts.push(d);
  for (const a of state.sos.values()) if (a.location) pts.push(a.location);
  for (const tr of state.trips.values()) {
    if (ACTIVE.has(tr.status)) { pts.push(tr.pickup, tr.dropoff); } else if (OPEN.has(tr.status)) pts.push(tr.pickup);
  }
  const routes = mappedRoutes();
  for (const { route } of routes) for (const st of route.stops || []) pts.push(st.place);
  projection.fit(pts.filter((p) => p && typeof p.lat === 'number' && typeof p.lng === 'number'));

  // graticule and scale bar, so distances can be read without tiles
  const grid = svg.querySelector('#layer-grid');
  grid.replaceChildren();
  const step = projection.gridStep();
  for (let lng = Math.ceil(projection.minLng / step) * step; lng <= projection.maxLng + 1e-9; lng += step) {
    const [x] = projection.xy({ lat: projection.maxLat, lng });
    grid.append(s('line', { x1: x.toFixed(1), y1: 0, x2: x.toFixed(1), y2: 640, class: 'grid' }));
  }
  for (let lat = Math.ceil(projection.minLat / step) * step; lat <= projection.maxLat + 1e-9; lat += step) {
    const [, y] = projection.xy({ lat, lng: projection.minLng });
    grid.append(s('line', { x1: 0, y1: y.toFixed(1), x2: 1000, y2: y.toFixed(1), class: 'grid' }));
  }
  const bar = svg.querySelector('#scale-bar');
  const pxKm = projection.pxPerKm();
  const km = [0.5, 1, 2, 5, 10, 20, 50, 100].find((k) => k * pxKm >= 60) || 100;
  const len = km * pxKm;
  const label = s('text', { x: 20, y: 612 });
  label.textContent = km < 1 ? `${km * 1000} m` : `${km} km`;
  bar.replaceChildren(s('path', { d: `M20 620 v6 h${len.toFixed(1)} v-6`, class: 'scale' }), label);

  // landmarks: redrawn whole (few, rarely change)
  const lp = svg.querySelector('#layer-places');
  lp.replaceChildren();
  for (const p of state.places) {
    if (typeof p.lat !== 'number') continue;
    const [x, y] = projection.xy(p);
    const g = s('g', { class: 'place kind-' + p.kind, dataset: { placeId: p.id, kind: p.kind }, transform: `translate(${x.toFixed(1)},${y.toFixed(1)})` });
    const title = s('title');
    title.textContent = `${p.name} · ${t('place.' + p.kind)}`;
    g.append(title, s('rect', { x: -6, y: -6, width: 12, height: 12, rx: p.kind === 'hospital' ? 2 : 6 }));
    const label = s('text', { x: 9, y: 4 });
    label.textContent = p.name;
    g.append(label);
    lp.append(g);
  }

  // planned routes: a polyline through the stops, dashed until confirmed
  const lr = svg.querySelector('#layer-routes');
  const seenR = new Set();
  for (const { route, index } of routes) {
    const line = (route.stops || []).filter((st) => st.place && typeof st.place.lat === 'number')
      .map((st) => projection.xy(st.place).map((v) => v.toFixed(1)).join(','));
    if (line.length < 2) continue;
    seenR.add(route.id);
    let pl = els.routes.get(route.id);
    if (!pl) {
      pl = s('polyline', { dataset: { routeId: route.id } });
      pl.append(s('title'));
      els.routes.set(route.id, pl);
      lr.append(pl);
    }
    pl.setAttribute('points', line.join(' '));
    pl.setAttribute('class', `route route-c${index % 6} status-${route.status}`);
    pl.dataset.status = route.status;
    pl.dataset.driverId = route.driver_id;
    pl.firstChild.textContent = routeSummary(route);
  }
  for (const [id, el] of els.routes) if (!seenR.has(id)) { el.remove(); els.routes.delete(id); }

  // active trips: lines pickup → dropoff
  const lt = svg.querySelector('#layer-trips');
  const seenT = new Set();
  for (const tr of state.trips.values()) {
    if (!ACTIVE.has(tr.status) || !tr.pickup || !tr.dropoff) continue;
    seenT.add(tr.id);
    let line = els.trips.get(tr.id);
    if (!line) {
      line = s('line', { dataset: { tripId: tr.id }, 'marker-end': 'url(#arrow)' });
      line.append(s('title'));
      els.trips.set(tr.id, line);
      lt.append(line);
    }
    const [x1, y1] = projection.xy(tr.pickup);
    const [x2, y2] = projection.xy(tr.dropoff);
    line.setAttribute('x1', x1.toFixed(1)); line.setAttribute('y1', y1.toFixed(1));
    line.setAttribute('x2', x2.toFixed(1)); line.setAttribute('y2', y2.toFixed(1));
    line.setAttribute('class', 'trip status-' + tr.status);
    line.dataset.status = tr.status;
    line.firstChild.textContent = `${tr.id} · ${statusLabel(tr.status)} · ${driverName(tr.driver_id)}`;
  }
  for (const [id, el] of els.trips) if (!seenT.has(id)) { el.remove(); els.trips.delete(id); }

  // open trips: a small diamond at the pickup
  const lo = svg.querySelector('#layer-open');
  const seenO = new Set();
  for (const tr of state.trips.values()) {
    if (!OPEN.has(tr.status) || !tr.pickup) continue;
    seenO.add(tr.id);
    let m = els.open.get(tr.id);
    if (!m) {
      m = s('rect', { width: 9, height: 9, x: -4.5, y: -4.5, dataset: { openTripId: tr.id } });
      m.append(s('title'));
      els.open.set(tr.id, m);
      lo.append(m);
    }
    const [x, y] = projection.xy(tr.pickup);
    m.setAttribute('transform', `translate(${x.toFixed(1)},${y.toFixed(1)}) rotate(45)`);
    m.setAttribute('class', 'open-trip status-' + tr.status + (state.alerts.has(tr.id) ? ' alerting' : ''));
    m.firstChild.textContent = `${tr.id} · ${statusLabel(tr.status)} · ${t('col.arriveBy')} ${fmtTime(tr.arrive_by)}`;
  }
  for (const [id, el] of els.open) if (!seenO.has(id)) { el.remove(); els.open.delete(id); }

  // drivers: dots by status
  const ld = svg.querySelector('#layer-drivers');
  const busy = busyDrivers();
  const seenD = new Set();
  for (const d of state.drivers.values()) {
    if (typeof d.lat !== 'number' || typeof d.lng !== 'number') continue;
    seenD.add(d.driver_id);
    let c = els.drivers.get(d.driver_id);
    if (!c) {
      c = s('circle', { r: 6, dataset: { driverId: d.driver_id } });
      c.append(s('title'));
      els.drivers.set(d.driver_id, c);
      ld.append(c);
    }
    const [x, y] = projection.xy(d);
    const isBusy = d.status === 'online' && busy.has(d.driver_id);
    c.setAttribute('cx', x.toFixed(1));
    c.setAttribute('cy', y.toFixed(1));
    c.dataset.status = d.status;
    c.dataset.busy = String(isBusy);
    c.setAttribute('class', 'driver ' + (isBusy ? 'busy' : d.status));
    const plate = d.vehicle ? d.vehicle.plate : driverPlate(d.driver_id);
    c.firstChild.textContent = `${d.name || driverName(d.driver_id)}${plate ? ' · ' + plate : ''} · ${t(isBusy ? 'legend.busy' : 'legend.' + d.status)}`;
  }
  for (const [id, el] of els.drivers) if (!seenD.has(id)) { el.remove(); els.drivers.delete(id); }
  renderSOSMarkers();
  renderReportMarkers();
}

// ---------- SOS ----------

function sosWho(a) {
  return (a.driver && a.driver.name) || driverName(a.driver_id);
}

// renderSOSMarkers draws a red ringed dot where each driver in trouble is.
function renderSOSMarkers() {
  const layer = document.getElementById('layer-sos');
  const kids = [];
  for (const a of state.sos.values()) {
    if (!a.location || typeof a.location.lat !== 'number') continue;
    const [x, y] = projection.xy(a.location);
    const g = s('g', { class: 'sos', dataset: { sosId: a.id }, transform: `translate(${x.toFixed(1)},${y.toFixed(1)})` });
    const title = s('title');
    title.textContent = `SOS · ${sosWho(a)}${a.driver && a.driver.plate ? ' · ' + a.driver.plate : ''}`;
    g.append(title, s('circle', { r: 18, class: 'sos-ring' }), s('circle', { r: 9, class: 'sos-marker' }));
    kids.push(g);
  }
  layer.replaceChildren(...kids);
}

function contactLine(c) {
  if (!c) return '—';
  return [c.name, c.phone, c.plate].filter(Boolean).join(' · ');
}

function sosItem(a) {
  const note = h('input', { type: 'text', class: 'sos-note', id: 'sos-note-' + a.id, maxlength: '500' });
  const li = h('li', { class: 'sos-item', dataset: { sosId: a.id } },
    h('strong', { class: 'sos-who' }),
    h('span', { class: 'sos-when' }),
    h('dl', {},
      h('dt', {}, t('sos.driver')), h('dd', { class: 'sos-driver' }),
      h('dt', {}, t('sos.trip')), h('dd', { class: 'sos-trip' }),
      h('dt', {}, t('sos.riders')), h('dd', { class: 'sos-riders' }),
      h('dt', {}, t('sos.requester')), h('dd', { class: 'sos-requester' })),
    h('label', { for: 'sos-note-' + a.id }, t('sos.resolveNote')),
    note,
    h('button', { type: 'button', class: 'primary sos-resolve' }, t('sos.resolve')),
    h('p', { class: 'alert-error field-error', role: 'alert' }));
  li.querySelector('.sos-resolve').addEventListener('click', async () => {
    const btn = li.querySelector('.sos-resolve');
    const err = li.querySelector('.alert-error');
    btn.disabled = true;
    err.textContent = '';
    try {
      await api('POST', `/sos/${encodeURIComponent(a.id)}/resolve`, note.value.trim() ? { note: note.value.trim() } : {});
      state.sos.delete(a.id);
      say(t('sos.resolved'));
      schedule('sos', 'map');
    } catch (e) {
      err.textContent = e.message;
      say(e.message, 'error');
    } finally {
      btn.disabled = false;
    }
  });
  return li;
}

function renderSOS() {
  const ul = document.getElementById('sos-list');
  const have = new Map([...ul.children].map((li) => [li.dataset.sosId, li]));
  for (const [id, li] of have) if (!state.sos.has(id)) li.remove();
  const list = [...state.sos.values()].sort((a, b) => Date.parse(a.raised_at) - Date.parse(b.raised_at));
  for (const a of list) {
    const li = have.get(a.id) || sosItem(a);
    li.querySelector('.sos-who').textContent = 'SOS · ' + sosWho(a);
    li.querySelector('.sos-when').textContent = ` ${t('sos.raisedAt', { at: fmtTime(a.raised_at) })} · ${t('sos.updatedAt', { at: fmtTime(a.updated_at) })}`;
    li.querySelector('.sos-driver').textContent = contactLine(a.driver);
    li.querySelector('.sos-trip').textContent = a.trip
      ? `${a.trip.id} · ${t('kind.' + a.trip.kind)} · ${statusLabel(a.trip.status)} · ${(a.trip.dropoff && a.trip.dropoff.address) || ''}`
      : t('sos.noTrip');
    li.querySelector('.sos-riders').textContent = (a.riders || []).map(contactLine).join('; ') || '—';
    li.querySelector('.sos-requester').textContent = contactLine(a.requester);
    if (!li.isConnected) ul.append(li);
  }
  document.getElementById('sos-empty').hidden = state.sos.size > 0;
  document.getElementById('sos-panel').dataset.open = String(state.sos.size);
  renderSOSMarkers();
}

// ---------- reports ----------

// renderReportMarkers draws an amber triangle where each unresolved report is.
function renderReportMarkers() {
  const layer = document.getElementById('layer-reports');
  const kids = [];
  for (const r of state.reports.values()) {
    if (!r.location || typeof r.location.lat !== 'number') continue;
    const [x, y] = projection.xy(r.location);
    const g = s('g', { class: 'report', dataset: { reportId: r.id }, transform: `translate(${x.toFixed(1)},${y.toFixed(1)})` });
    const title = s('title');
    title.textContent = `${t('report.kind.' + r.kind)} · ${driverName(r.driver_id)}${r.note ? ' · ' + r.note : ''}`;
    g.append(title, s('path', { d: 'M0 -10L9 7H-9z', class: 'report-marker' }));
    kids.push(g);
  }
  layer.replaceChildren(...kids);
}

// showPhotos fetches a report's photos with the board's token (an <img>
// cannot send it) and shows each from a blob: URL.
async function showPhotos(r, box) {
  for (const p of r.photos || []) {
    try {
      const url = URL.createObjectURL(await apiBlob(p.url.replace(/^\/api\/v1/, '')));
      const img = h('img', { src: url, alt: t('report.photoAlt', { kind: t('report.kind.' + r.kind) }) });
      img.addEventListener('click', () => window.open(url, '_blank', 'noopener'));
      box.append(img);
    } catch { /* a photo that cannot be read leaves the rest */ }
  }
}

function reportItem(r) {
  const to = h('input', { type: 'text', class: 'report-forward-to', id: 'report-to-' + r.id, maxlength: '200' });
  const note = h('input', { type: 'text', class: 'report-note-input', id: 'report-note-' + r.id, maxlength: '1000' });
  const li = h('li', { class: 'report-item', dataset: { reportId: r.id } },
    h('strong', { class: 'report-what' }),
    h('span', { class: 'report-when' }),
    h('p', { class: 'report-note' }),
    h('div', { class: 'report-photos' }),
    h('label', { for: 'report-to-' + r.id }, t('report.forwardTo')), to,
    h('label', { for: 'report-note-' + r.id }, t('report.outcomeNote')), note,
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'report-forward' }, t('report.forward')),
      h('button', { type: 'button', class: 'primary report-resolve' }, t('report.resolve'))),
    h('p', { class: 'alert-error field-error', role: 'alert' }));
  const send = async (status) => {
    const err = li.querySelector('.alert-error');
    err.textContent = '';
    const body = { status };
    if (to.value.trim()) body.forwarded_to = to.value.trim();
    if (note.value.trim()) body.note = note.value.trim();
    for (const b of li.querySelectorAll('button')) b.disabled = true;
    try {
      const done = await api('PATCH', `/reports/${encodeURIComponent(r.id)}`, body);
      if (done.status === 'resolved') state.reports.delete(r.id);
      else state.reports.set(r.id, done);
      say(t('report.status.' + done.status));
      schedule('reports');
    } catch (e) {
      err.textContent = e.message;
      say(e.message, 'error');
    } finally {
      for (const b of li.querySelectorAll('button')) b.disabled = false;
    }
  };
  li.querySelector('.report-forward').addEventListener('click', () => send('forwarded'));
  li.querySelector('.report-resolve').addEventListener('click', () => send('resolved'));
  showPhotos(r, li.querySelector('.report-photos'));
  return li;
}

function renderReports() {
  const ul = document.getElementById('report-list');
  const have = new Map([...ul.children].map((li) => [li.dataset.reportId, li]));
  for (const [id, li] of have) if (!state.reports.has(id)) li.remove();
  // Oldest first through the list, each new one on top: newest first,
  // and an item being typed into is never moved (moving it would take
  // the coordinator's focus away).
  const list = [...state.reports.values()].sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
  for (const r of list) {
    const li = have.get(r.id) || reportItem(r);
    li.querySelector('.report-what').textContent = `${t('report.kind.' + r.kind)} · ${driverName(r.driver_id)}`;
    li.querySelector('.report-when').textContent = ` ${fmtTime(r.created_at)} · ${t('report.status.' + r.status)}` +
      (r.forwarded_to ? ' · ' + t('report.forwardedTo', { to: r.forwarded_to }) : '');
    li.querySelector('.report-note').textContent = r.note || '';
    if (!li.isConnected) ul.prepend(li);
  }
  document.getElementById('reports-empty').hidden = state.reports.size > 0;
  renderReportMarkers();
}

// ---------- arrivals at exam sites ----------

let arrivalsTimer = 0;
// arrivalsSoon re-reads the arrivals a little after trips change, at
// most every 2 s however many change.
function arrivalsSoon() {
  if (!arrivalsTimer) arrivalsTimer = setTimeout(() => { arrivalsTimer = 0; loadArrivals(); }, 2000);
}

async function loadArrivals() {
  try {
    const r = await api('GET', '/arrivals');
    state.arrivals = r.sites || [];
    state.arrivalsDate = r.date || '';
    renderArrivals();
  } catch (e) { /* the panel waits for the next change */ }
}

function renderArrivals() {
  const table = document.getElementById('arrivals');
  document.getElementById('arrivals-h').textContent = t('board.arrivalsOn', { date: state.arrivalsDate || '—' });
  table.hidden = !state.arrivals.length;
  document.getElementById('arrivals-empty').hidden = state.arrivals.length > 0;
  table.tBodies[0].replaceChildren(...state.arrivals.map((a) => h('tr', { dataset: { site: a.site } },
    h('td', {}, a.site || '—'),
    h('td', { class: 'expected' }, String(a.expected)),
    h('td', { class: 'arrived' }, String(a.arrived)),
    h('td', { class: 'on-the-way' }, String(a.on_the_way)),
    h('td', { class: 'planned' }, String(a.planned)),
    h('td', { class: a.at_risk ? 'at-risk risk' : 'at-risk', title: (a.at_risk_trips || []).join(', ') }, String(a.at_risk)))));
}

// ---------- lost property ----------

async function loadLost() {
  try {
    const r = await api('GET', '/lost-items?status=unclaimed&limit=100');
    state.lost.clear();
    for (const it of r.items || []) state.lost.set(it.id, it);
    schedule('lost');
  } catch (e) { say(e.message, 'error'); }
}

function finderName(foundBy) {
  const [role, id] = (foundBy || '').split(':');
  return role === 'driver' ? driverName(id) : t('lost.byOffice');
}

function lostItem(it) {
  const field = (cls, label, max) => {
    const id = `lost-${cls}-${it.id}`;
    return [h('label', { for: id }, label), h('input', { type: 'text', class: 'lost-' + cls, id, maxlength: String(max) })];
  };
  const li = h('li', { class: 'lost-item', dataset: { lostId: it.id } },
    h('strong', { class: 'lost-what' }, it.description),
    h('span', { class: 'lost-when' }),
    h('div', { class: 'report-photos' }),
    ...field('to', t('lost.to'), 100), ...field('where', t('lost.where'), 200), ...field('phone', t('lost.phone'), 32),
    h('button', { type: 'button', class: 'primary lost-return' }, t('lost.return')),
    h('p', { class: 'alert-error field-error', role: 'alert' }));
  li.querySelector('.lost-return').addEventListener('click', async () => {
    const err = li.querySelector('.alert-error');
    const btn = li.querySelector('.lost-return');
    err.textContent = '';
    const body = { to: li.querySelector('.lost-to').value.trim() };
    const where = li.querySelector('.lost-where').value.trim();
    const phone = li.querySelector('.lost-phone').value.trim();
    if (where) body.where = where;
    if (phone) body.phone = phone;
    btn.disabled = true;
    try {
      await api('POST', `/lost-items/${encodeURIComponent(it.id)}/returned`, body);
      state.lost.delete(it.id);
      say(t('lost.returned'));
      schedule('lost');
    } catch (e) {
      err.textContent = e.message;
      say(e.message, 'error');
    } finally {
      btn.disabled = false;
    }
  });
  if (it.photo) showPhotos({ kind: 'other', photos: [it.photo] }, li.querySelector('.report-photos'));
  return li;
}

function renderLost() {
  const ul = document.getElementById('lost-list');
  const have = new Map([...ul.children].map((li) => [li.dataset.lostId, li]));
  for (const [id, li] of have) if (!state.lost.has(id)) li.remove();
  const list = [...state.lost.values()].sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
  for (const it of list) {
    const li = have.get(it.id) || lostItem(it);
    li.querySelector('.lost-when').textContent = ` ${fmtTime(it.created_at)} · ${finderName(it.found_by)}` +
      (it.trip_id ? ' · ' + it.trip_id : '') + (it.kept_at ? ' · ' + t('lost.keptAtValue', { at: it.kept_at }) : '');
    if (!li.isConnected) ul.append(li);
  }
  document.getElementById('lost-empty').hidden = state.lost.size > 0;
}

// ---------- counters ----------

const RISK_MS = 15 * 60 * 1000;

function atRisk(tr, now) {
  if (!OPEN.has(tr.status)) return false;
  if (state.alerts.has(tr.id)) return true;
  const p = Date.parse(tr.pickup_at);
  return !Number.isNaN(p) && p - now < RISK_MS;
}

function renderCounters() {
  let online = 0;
  for (const d of state.drivers.values()) if (d.status === 'online') online++;
  let open = 0, offered = 0, assigned = 0, risk = 0;
  const now = Date.now();
  for (const tr of state.trips.values()) {
    if (OPEN.has(tr.status)) open++;
    if (tr.status === 'offered') offered++;
    if (ACTIVE.has(tr.status)) assigned++;
    if (atRisk(tr, now)) risk++;
  }
  // alerts for trips not loaded yet still count
  for (const id of state.alerts.keys()) if (!state.trips.has(id)) risk++;
  const set = (id, n) => { const el = document.getElementById(id); if (el.textContent !== String(n)) el.textContent = String(n); };
  set('count-online', online);
  set('count-open', open);
  set('count-offered', offered);
  set('count-assigned', assigned);
  set('count-at-risk', risk);
  document.querySelector('.counters .risk').classList.toggle('hot', risk > 0);
}

// ---------- alerts ----------

function onlineDrivers() {
  return [...state.drivers.values()]
    .filter((d) => d.status === 'online')
    .sort((a, b) => String(a.name || a.driver_id).localeCompare(String(b.name || b.driver_id)));
}

function fillDriverSelect(sel) {
  if (document.activeElement === sel) return; // do not disturb a choice being made
  const keep = sel.value;
  const busy = busyDrivers();
  const opts = onlineDrivers().map((d) => {
    const plate = d.vehicle ? d.vehicle.plate : driverPlate(d.driver_id);
    return h('option', { value: d.driver_id }, `${d.name || driverName(d.driver_id)}${plate ? ' · ' + plate : ''}${busy.has(d.driver_id) ? ' · ' + t('legend.busy') : ''}`);
  });
  if (!opts.length) opts.push(h('option', { value: '' }, t('board.noOnline')));
  sel.replaceChildren(...opts);
  if (keep && [...sel.options].some((o) => o.value === keep)) sel.value = keep;
}

async function act(li, fn, okMsg) {
  const err = li.querySelector('.alert-error');
  err.textContent = '';
  for (const b of li.querySelectorAll('button')) b.disabled = true;
  try {
    const tr = await fn();
    if (tr && tr.id) mergeTrip(tr);
    say(okMsg);
  } catch (e) {
    err.textContent = e.message;
    say(e.message, 'error');
  } finally {
    for (const b of li.querySelectorAll('button')) b.disabled = false;
  }
}

function alertItem(id) {
  const sel = h('select', { class: 'assign-driver', id: 'assign-' + id });
  const li = h('li', { dataset: { tripId: id }, class: 'alert' },
    h('div', { class: 'alert-head' },
      h('span', { class: 'reason' }),
      h('span', { class: 'trip-id' }, id)),
    h('p', { class: 'alert-trip' }),
    h('div', { class: 'alert-actions' },
      h('button', { type: 'button', class: 'requeue' }),
      h('label', { for: 'assign-' + id, class: 'assign-label' }),
      sel,
      h('button', { type: 'button', class: 'assign' })),
    h('p', { class: 'alert-error field-error', role: 'alert' }));
  li.querySelector('.requeue').addEventListener('click', () =>
    act(li, () => api('POST', `/trips/${encodeURIComponent(id)}/requeue`), t('board.requeued', { id })));
  li.querySelector('.assign').addEventListener('click', () => {
    const driverId = sel.value;
    if (!driverId) { li.querySelector('.alert-error').textContent = t('board.pickDriver'); sel.focus(); return; }
    act(li, () => api('POST', `/trips/${encodeURIComponent(id)}/assign`, { driver_id: driverId }),
      t('board.assigned', { id, name: driverName(driverId) }));
  });
  return li;
}

function renderAlerts() {
  const ul = document.getElementById('alerts');
  const have = new Map([...ul.children].map((li) => [li.dataset.tripId, li]));
  const ids = [...state.alerts.keys()].sort((a, b) => {
    const ta = state.trips.get(a), tb = state.trips.get(b);
    return (ta ? Date.parse(ta.arrive_by) : 0) - (tb ? Date.parse(tb.arrive_by) : 0);
  });
  for (const [id, li] of have) if (!state.alerts.has(id)) li.remove();
  const focused = ul.contains(document.activeElement); // never move what the user is on
  for (const id of ids) {
    const li = have.get(id) || alertItem(id);
    const reason = state.alerts.get(id);
    const tr = state.trips.get(id);
    li.dataset.reason = reason;
    li.querySelector('.reason').textContent = t('reason.' + reason);
    li.querySelector('.alert-trip').textContent = tr
      ? `${t('kind.' + tr.kind)} · ${t('col.pickupAt')} ${fmtTime(tr.pickup_at)} · ${t('col.arriveBy')} ${fmtTime(tr.arrive_by)} · ${(tr.dropoff && tr.dropoff.address) || ''}`
      : '';
    li.querySelector('.requeue').textContent = t('board.requeue');
    li.querySelector('.assign').textContent = t('board.assign');
    li.querySelector('.assign-label').textContent = t('board.assignTo');
    fillDriverSelect(li.querySelector('select.assign-driver'));
    if (!focused || !li.isConnected) ul.append(li);
  }
  document.getElementById('alerts-empty').hidden = state.alerts.size > 0;
}

// ---------- trip table ----------

function tripRow(id) {
  return h('tr', { dataset: { tripId: id } },
    h('td', { class: 'id' }), h('td', { class: 'kind' }), h('td', { class: 'status' }),
    h('td', { class: 'pickup-at' }), h('td', { class: 'arrive-by' }), h('td', { class: 'dropoff' }), h('td', { class: 'driver' }));
}

const rows = new Map();

function renderTrips() {
  const filter = document.getElementById('trip-filter').value;
  const tbody = document.querySelector('#trip-table tbody');
  const list = [...state.trips.values()]
    .filter((tr) => !filter || (filter === 'open' ? OPEN.has(tr.status) : filter === 'active' ? ACTIVE.has(tr.status) : tr.status === filter))
    .sort((a, b) => Date.parse(a.arrive_by) - Date.parse(b.arrive_by));
  const now = Date.now();
  const frag = [];
  for (const tr of list) {
    let tr0 = rows.get(tr.id);
    if (!tr0) { tr0 = tripRow(tr.id); rows.set(tr.id, tr0); }
    const c = tr0.children;
    c[0].textContent = tr.id;
    c[1].textContent = t('kind.' + tr.kind);
    c[2].textContent = tr.status;
    c[2].dataset.status = tr.status;
    c[2].title = statusLabel(tr.status);
    c[3].textContent = fmtTime(tr.pickup_at);
    c[4].textContent = fmtTime(tr.arrive_by);
    c[5].textContent = (tr.dropoff && tr.dropoff.address) || '';
    const did = (tr.driver && tr.driver.id) || tr.driver_id;
    const name = (tr.driver && tr.driver.name) || (did ? driverName(did) : '');
    const plate = (tr.driver && tr.driver.plate) || (did ? driverPlate(did) : '');
    c[6].textContent = did ? `${name}${plate ? ' · ' + plate : ''}` : '—';
    tr0.classList.toggle('at-risk', atRisk(tr, now));
    tr0.dataset.status = tr.status;
    frag.push(tr0);
  }
  tbody.replaceChildren(...frag);
}

// ---------- campaigns & route plans ----------

const planKey = (cid, sid) => `${cid}/${sid}`;
const shiftPath = (cid, sid) => `/campaigns/${encodeURIComponent(cid)}/shifts/${encodeURIComponent(sid)}`;
const ROUTE_STATUSES = ['draft', 'offered', 'confirmed', 'declined'];

function planUi(key) {
  let ui = state.planUi.get(key);
  if (!ui) { ui = { busy: false, error: '' }; state.planUi.set(key, ui); }
  return ui;
}

function setPlan(p) {
  if (!p || !p.campaign_id || !p.shift_id) return;
  p.routes = p.routes || [];
  p.unserved = p.unserved || [];
  state.plans.set(planKey(p.campaign_id, p.shift_id), p);
  schedule('campaigns', 'map');
}

async function loadPlan(cid, sid) {
  if (!cid || !sid) return;
  const key = planKey(cid, sid);
  state.planChecked.add(key);
  try {
    setPlan(await api('GET', shiftPath(cid, sid) + '/plan'));
  } catch (e) {
    if (e.status === 404) { // no plan yet (or planning is off)
      if (state.plans.delete(key)) schedule('campaigns', 'map');
    } else if (e.status !== 401) say(e.message, 'error');
  }
}

function reloadPlans() {
  for (const key of state.planChecked) {
    const i = key.indexOf('/');
    loadPlan(key.slice(0, i), key.slice(i + 1));
  }
}

function onRouteFrame(d) {
  let r = null;
  for (const [key, p] of state.plans) {
    r = p.routes.find((x) => x.id === d.route_id) || null;
    if (r) { planUi(key).error = ''; break; } // an earlier refusal no longer holds
  }
  if (!r) return; // a plan not on this board: its plan frame brings it
  if (d.status && ROUTE_STATUSES.includes(d.status)) r.status = d.status;
  if (r.status !== 'offered') delete r.expires_at;
  const name = driverName(d.driver_id || r.driver_id);
  const key = r.status === 'declined' && d.reason === 'expired' ? 'plan.route.expired' : 'plan.route.' + r.status;
  say(t(key, { name }), r.status === 'declined' ? 'warn' : 'info');
  schedule('campaigns', 'map');
}

function routeStudents(route) {
  return (route.stops || []).filter((st) => st.kind === 'pickup').length;
}

function routeSummary(route) {
  return `${driverName(route.driver_id)} · ${t('route.' + route.status)} · ${t('plan.students', { n: routeStudents(route) })} · ` +
    `${t('plan.km', { km: fmtNumber(route.km || 0, 1) })} · ${t('plan.departs', { at: fmtTime(route.start) })}`;
}

const ROUTE_STALE_MS = 60 * 60 * 1000;

/** mappedRoutes lists the routes worth drawing: not declined, not long over. */
function mappedRoutes() {
  const now = Date.now();
  const out = [];
  for (const p of state.plans.values()) {
    p.routes.forEach((route, index) => {
      if (route.status === 'declined') return;
      const stops = route.stops || [];
      const last = stops.length ? Date.parse(stops[stops.length - 1].at) : NaN;
      if (!Number.isNaN(last) && last < now - ROUTE_STALE_MS) return;
      out.push({ route, index });
    });
  }
  return out;
}

async function planShift(cid, sid) {
  const ui = planUi(planKey(cid, sid));
  if (ui.busy) return;
  ui.busy = true; ui.error = '';
  renderCampaigns();
  try {
    const p = await api('POST', shiftPath(cid, sid) + '/plan');
    setPlan(p);
    say(t('plan.planned', { routes: p.routes.length, n: p.unserved.length }));
  } catch (e) {
    ui.error = e.message;
    say(e.message, 'error');
    if (e.status === 409) loadPlan(cid, sid); // show the routes still awaiting their drivers
  } finally {
    ui.busy = false;
    schedule('campaigns');
  }
}

async function publishPlan(cid, sid) {
  const ui = planUi(planKey(cid, sid));
  if (ui.busy) return;
  ui.busy = true; ui.error = '';
  renderCampaigns();
  try {
    const p = await api('POST', shiftPath(cid, sid) + '/plan/publish');
    setPlan(p);
    say(t('plan.published', { n: p.routes.filter((r) => r.status === 'offered').length }));
  } catch (e) {
    ui.error = e.message;
    say(e.message, 'error');
    if (e.status === 409 || e.status === 404) loadPlan(cid, sid);
  } finally {
    ui.busy = false;
    schedule('campaigns');
  }
}

// The panel is kept node for node (not redrawn) so that a button keeps its
// focus and the error live regions speak only when their text changes.
const campEls = new Map(); // campaign id → {div, name, win, ul}
const shiftEls = new Map(); // "campaign/shift" → {li, when, meter, fill, planBtn, err, box}

function setChildren(parent, kids) {
  const cur = parent.children;
  if (cur.length === kids.length && kids.every((k, i) => cur[i] === k)) return;
  const focused = document.activeElement;
  parent.replaceChildren(...kids);
  if (focused && focused !== document.activeElement && parent.contains(focused)) focused.focus();
}

function campaignEl(c) {
  let e = campEls.get(c.id);
  if (!e) {
    const name = h('span', { class: 'campaign-name' });
    const win = h('span');
    const ul = h('ul', { class: 'shifts' });
    e = { name, win, ul, div: h('div', { class: 'campaign', dataset: { campaignId: c.id } }, h('h3', {}, name, ' ', win), ul) };
    campEls.set(c.id, e);
  }
  const win = c.window || {};
  e.name.textContent = c.name;
  e.win.className = 'window ' + (win.open ? 'open' : 'closed');
  e.win.textContent = win.open ? t('campaigns.open', { at: fmtTime(win.next_close) }) : t('campaigns.closed', { at: fmtTime(win.next_open) });
  return e;
}

function shiftEl(c, sh) {
  const key = planKey(c.id, sh.id);
  let e = shiftEls.get(key);
  if (!e) {
    const base = `${c.id}-${sh.id}`;
    const ids = { btn: 'plan-' + base, err: 'plan-error-' + base, box: 'plan-box-' + base, pub: 'publish-' + base, h: 'plan-h-' + base };
    const when = h('span', { class: 'shift-when' });
    const meter = h('meter', { min: 0 });
    const fill = h('span', { class: 'fill' });
    const planBtn = h('button', {
      type: 'button', class: 'plan-shift', id: ids.btn, dataset: { campaignId: c.id, shiftId: sh.id },
      'aria-describedby': ids.err, onclick: () => planShift(c.id, sh.id),
    });
    const err = h('p', { class: 'plan-error field-error', id: ids.err, role: 'alert' });
    const summary = h('p', { class: 'plan-summary', id: ids.h, tabindex: '-1' });
    const unserved = h('p', { class: 'plan-unserved' });
    const list = h('ol', { class: 'plan-routes', 'aria-labelledby': ids.h });
    const pubBtn = h('button', {
      type: 'button', class: 'publish-plan', id: ids.pub, dataset: { campaignId: c.id, shiftId: sh.id },
      'aria-describedby': ids.err, onclick: () => publishPlan(c.id, sh.id),
    });
    const box = h('div', { class: 'plan', id: ids.box, dataset: { planShiftId: sh.id, campaignId: c.id }, hidden: true },
      summary, unserved, list, pubBtn);
    const li = h('li', { class: 'shift', dataset: { shiftId: sh.id } }, when, meter, fill, planBtn, err, box);
    e = { li, when, meter, fill, planBtn, err, box, summary, unserved, list, pubBtn };
    shiftEls.set(key, e);
  }
  const need = sh.cars_needed || 0;
  const confirmed = sh.confirmed || 0;
  const pct = need ? Math.round((100 * confirmed) / need) : 0;
  const whenText = `${sh.date} ${sh.start}–${sh.end}`;
  e.li.className = 'shift' + (need && confirmed >= need ? ' full' : '');
  e.when.textContent = whenText;
  e.meter.max = Math.max(need, 1);
  e.meter.value = confirmed;
  e.meter.setAttribute('aria-label', t('campaigns.fillOf', { when: `${sh.date} ${sh.start}` }));
  e.fill.textContent = t('campaigns.fill', { confirmed, needed: need, pct, waiting: sh.waiting || 0 });

  const key2 = planKey(c.id, sh.id);
  const ui = planUi(key2);
  const plan = state.plans.get(key2);
  e.planBtn.textContent = ui.busy ? t('plan.working') : t('plan.plan');
  e.planBtn.setAttribute('aria-label', t('plan.planOf', { when: whenText }));
  // busy buttons are aria-disabled, not disabled: a disabled button drops the focus
  e.planBtn.setAttribute('aria-disabled', String(ui.busy));
  e.planBtn.setAttribute('aria-busy', String(ui.busy));
  if (e.err.textContent !== ui.error) e.err.textContent = ui.error;
  renderPlan(e, plan, ui, whenText);
  return e;
}

function renderPlan(e, plan, ui, whenText) {
  e.box.hidden = !plan;
  if (!plan) return;
  const routes = plan.routes;
  e.box.dataset.routes = String(routes.length);
  // the distance the routes still standing will drive (a declined route is not driven)
  const km = routes.reduce((sum, r) => sum + (r.status === 'declined' ? 0 : r.km || 0), 0);
  e.summary.textContent = t('plan.summary', { when: whenText, routes: routes.length, km: fmtNumber(km, 1), at: fmtTime(plan.created_at) });
  const n = plan.unserved.length;
  e.unserved.dataset.count = String(n);
  e.unserved.classList.toggle('warn', n > 0);
  e.unserved.textContent = n ? t('plan.unserved', { n }) : t('plan.allServed');
  const items = routes.map((r, i) => {
    const students = routeStudents(r);
    return h('li', { class: `route route-c${i % 6}`, dataset: { routeId: r.id, status: r.status, driverId: r.driver_id, students: String(students), km: String(r.km || 0) } },
      h('span', { class: 'route-swatch', 'aria-hidden': 'true' }),
      h('span', { class: 'route-status', dataset: { status: r.status } }, t('route.' + r.status)),
      h('span', { class: 'route-driver' }, driverName(r.driver_id)),
      h('span', { class: 'route-students' }, t('plan.students', { n: students })),
      h('span', { class: 'route-km' }, t('plan.km', { km: fmtNumber(r.km || 0, 1) })),
      h('span', { class: 'route-start' }, t('plan.departs', { at: fmtTime(r.start) })),
      r.status === 'offered' && r.expires_at ? h('span', { class: 'route-expires' }, t('plan.expires', { at: fmtTime(r.expires_at) })) : null);
  });
  if (!items.length) items.push(h('li', { class: 'empty' }, t('plan.noRoutes')));
  e.list.replaceChildren(...items);
  const drafts = routes.filter((r) => r.status === 'draft').length;
  e.pubBtn.textContent = ui.busy ? t('plan.working') : t('plan.publish');
  e.pubBtn.setAttribute('aria-label', t('plan.publishOf', { n: drafts, when: whenText }));
  const hadFocus = document.activeElement === e.pubBtn;
  e.pubBtn.disabled = drafts === 0;
  e.pubBtn.setAttribute('aria-disabled', String(ui.busy || drafts === 0));
  e.pubBtn.setAttribute('aria-busy', String(ui.busy));
  if (hadFocus && e.pubBtn.disabled) e.summary.focus(); // published: nothing left to press here
}

function renderCampaigns() {
  const box = document.getElementById('campaigns');
  if (!state.campaigns.size) {
    campEls.clear(); shiftEls.clear();
    box.replaceChildren(h('p', { class: 'empty' }, t('campaigns.none')));
    return;
  }
  const seenC = new Set(), seenS = new Set();
  const divs = [];
  for (const c of state.campaigns.values()) {
    seenC.add(c.id);
    const ce = campaignEl(c);
    const lis = [];
    for (const sh of c.shifts || []) {
      seenS.add(planKey(c.id, sh.id));
      lis.push(shiftEl(c, sh).li);
    }
    setChildren(ce.ul, lis);
    divs.push(ce.div);
  }
  for (const id of campEls.keys()) if (!seenC.has(id)) campEls.delete(id);
  for (const k of shiftEls.keys()) if (!seenS.has(k)) shiftEls.delete(k);
  setChildren(box, divs);
}

// ---------- start ----------

function fillFilter() {
  const sel = document.getElementById('trip-filter');
  const keep = sel.value;
  const opts = [h('option', { value: '' }, t('filter.all')), h('option', { value: 'open' }, t('filter.open')), h('option', { value: 'active' }, t('filter.active'))];
  for (const st of STATUSES) opts.push(h('option', { value: st }, `${statusLabel(st)} (${st})`));
  sel.replaceChildren(...opts);
  sel.value = keep;
}

function start() {
  loadPlaces();
  loadTrips();
  loadCampaigns();
  socket = new LiveSocket('/ws/board', { onFrame, onState: connectionSayer() });
  socket.start();
  timers.push(setInterval(() => schedule('counters', 'trips', 'alerts', 'map'), 15000)); // risk windows move with time
  timers.push(setInterval(loadCampaigns, 60000)); // window states
}

function stop() {
  socket?.stop();
  socket = null;
  for (const x of timers) clearInterval(x);
  timers = [];
  state.drivers.clear(); state.roster.clear(); state.trips.clear(); state.alerts.clear(); state.campaigns.clear();
  state.plans.clear(); state.planUi.clear(); state.planChecked.clear(); state.sos.clear();
  rows.clear();
  schedule('map', 'trips', 'alerts', 'counters', 'campaigns', 'sos');
}

initLang(() => {
  fillFilter();
  document.getElementById('sos-list').replaceChildren(); // rebuilt with the labels of the new language
  schedule('map', 'trips', 'alerts', 'counters', 'campaigns', 'sos');
});
fillFilter();
document.getElementById('trip-filter').addEventListener('change', () => schedule('trips'));
initSignin({
  // only coordinators may list drivers: the check doubles as the first roster
  check: async () => { applyRoster(await api('GET', '/drivers')); },
  start,
  stop,
});
