// The coordinators' live board: a map of the city drawn as SVG (no tiles),
// counters, alerts with their actions, the trip table and campaign fills,
// kept up to date over /ws/board.

import {
  t, initLang, initSignin, api, say, h, s, fmtTime, statusLabel, LiveSocket, connectionSayer,
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
};

const dirty = { map: true, trips: true, alerts: true, counters: true, campaigns: true };
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
      loadTrips();
      schedule('map', 'trips', 'alerts', 'counters');
      break;
    case 'driver':
      mergeDriver(d);
      break;
    case 'trip':
      mergeTrip(d);
      break;
    case 'alert':
      state.alerts.set(d.trip_id, d.reason);
      if (!state.trips.has(d.trip_id)) fetchTrip(d.trip_id);
      say(t('board.newAlert', { id: d.trip_id }), 'warn');
      schedule('alerts', 'counters', 'trips');
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
  schedule('map', 'alerts', 'trips');
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
  } catch (e) {
    state.campaigns.clear();
    if (e.status !== 404) say(e.message, 'error');
  }
  schedule('campaigns');
}

// ---------- map ----------

const projection = new Projection(1000, 640, 36);
const els = { drivers: new Map(), trips: new Map(), open: new Map() };

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
  for (const tr of state.trips.values()) {
    if (ACTIVE.has(tr.status)) { pts.push(tr.pickup, tr.dropoff); } else if (OPEN.has(tr.status)) pts.push(tr.pickup);
  }
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

// ---------- campaigns ----------

function renderCampaigns() {
  const box = document.getElementById('campaigns');
  if (!state.campaigns.size) { box.replaceChildren(h('p', { class: 'empty' }, t('campaigns.none'))); return; }
  const out = [];
  for (const c of state.campaigns.values()) {
    const win = c.window || {};
    const shifts = (c.shifts || []).map((sh) => {
      const need = sh.cars_needed || 0;
      const pct = need ? Math.round((100 * sh.confirmed) / need) : 0;
      return h('li', { dataset: { shiftId: sh.id }, class: 'shift' + (need && sh.confirmed >= need ? ' full' : '') },
        h('span', { class: 'shift-when' }, `${sh.date} ${sh.start}–${sh.end}`),
        h('meter', { min: 0, max: Math.max(need, 1), value: sh.confirmed || 0, 'aria-label': t('campaigns.fillOf', { when: `${sh.date} ${sh.start}` }) }),
        h('span', { class: 'fill' }, t('campaigns.fill', { confirmed: sh.confirmed || 0, needed: need, pct, waiting: sh.waiting || 0 })));
    });
    out.push(h('div', { class: 'campaign', dataset: { campaignId: c.id } },
      h('h3', {}, c.name, ' ', h('span', { class: 'window ' + (win.open ? 'open' : 'closed') },
        win.open ? t('campaigns.open', { at: fmtTime(win.next_close) }) : t('campaigns.closed', { at: fmtTime(win.next_open) }))),
      h('ul', { class: 'shifts' }, shifts)));
  }
  box.replaceChildren(...out);
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
  rows.clear();
  schedule('map', 'trips', 'alerts', 'counters', 'campaigns');
}

initLang(() => { fillFilter(); schedule('map', 'trips', 'alerts', 'counters', 'campaigns'); });
fillFilter();
document.getElementById('trip-filter').addEventListener('change', () => schedule('trips'));
initSignin({
  // only coordinators may list drivers: the check doubles as the first roster
  check: async () => { applyRoster(await api('GET', '/drivers')); },
  start,
  stop,
});
