// The requesters' page (schools, residents' communities, care stations):
// request a trip, import a list of students from a CSV file, and follow
// their own trips live over /ws/requester.

import {
  t, initLang, initSignin, api, say, h, fmtTime, statusLabel, LiveSocket, connectionSayer,
  showFieldError, clearFieldErrors, localToRFC3339, FINAL,
} from './common.js';

const state = {
  me: null,
  places: [],
  trips: new Map(),
};
let socket = null;
const driverFetched = new Map(); // trip id → driver id whose details were fetched

// API field paths → the input that shows their errors.
const FIELDS = {
  kind: 'kind',
  pickup: 'pickup-lat',
  'pickup.lat': 'pickup-lat',
  'pickup.lng': 'pickup-lng',
  'pickup.address': 'pickup-address',
  dropoff: 'dropoff-lat',
  'dropoff.lat': 'dropoff-lat',
  'dropoff.lng': 'dropoff-lng',
  'dropoff.address': 'dropoff-address',
  riders: 'rider-name',
  'riders.name': 'rider-name',
  'riders.phone': 'rider-phone',
  arrive_by: 'arrive-by',
  pickup_after: 'arrive-by',
};

// ---------- places ----------

async function loadPlaces() {
  try {
    const r = await api('GET', '/places');
    const list = Array.isArray(r) ? r : (r && r.places) || [];
    state.places = list.filter((p) => p.kind === 'exam_site' || p.kind === 'hospital');
  } catch {
    state.places = [];
  }
  renderPlaces();
}

function renderPlaces() {
  const sel = document.getElementById('dropoff-place');
  const keep = sel.value;
  const groups = ['exam_site', 'hospital'].map((kind) => {
    const ps = state.places.filter((p) => p.kind === kind).sort((a, b) => a.name.localeCompare(b.name));
    return ps.length ? h('optgroup', { label: t('place.' + kind) }, ps.map((p) => h('option', { value: p.id }, p.name))) : null;
  }).filter(Boolean);
  sel.replaceChildren(h('option', { value: '' }, t('request.placeNone')), ...groups);
  sel.value = keep;
  sel.disabled = state.places.length === 0;
}

function pickPlace() {
  const id = document.getElementById('dropoff-place').value;
  const p = state.places.find((x) => x.id === id);
  if (!p) return;
  document.getElementById('dropoff-lat').value = String(p.lat);
  document.getElementById('dropoff-lng').value = String(p.lng);
  document.getElementById('dropoff-address').value = p.name;
  if (p.kind === 'hospital') document.getElementById('kind').value = 'hospital';
  if (p.kind === 'exam_site') document.getElementById('kind').value = 'exam_escort';
}

// ---------- the trip form ----------

function num(id, path, errs) {
  const v = document.getElementById(id).value.trim();
  if (!v) return undefined; // the server names what is missing
  const n = Number(v);
  if (!Number.isFinite(n)) { errs.push({ field: path, message: t('err.number') }); return undefined; }
  return n;
}

function place(prefix, errs) {
  const p = {};
  const lat = num(prefix + '-lat', prefix + '.lat', errs);
  const lng = num(prefix + '-lng', prefix + '.lng', errs);
  if (lat !== undefined) p.lat = lat;
  if (lng !== undefined) p.lng = lng;
  const addr = document.getElementById(prefix + '-address').value.trim();
  if (addr) p.address = addr;
  return p;
}

async function submitTrip(ev) {
  ev.preventDefault();
  const form = document.getElementById('trip-form');
  const formErr = document.getElementById('form-error');
  clearFieldErrors(form);
  formErr.textContent = '';
  const errs = [];
  const rider = { name: document.getElementById('rider-name').value.trim() };
  const phone = document.getElementById('rider-phone').value.trim();
  if (phone) rider.phone = phone;
  const body = {
    kind: document.getElementById('kind').value,
    pickup: place('pickup', errs),
    dropoff: place('dropoff', errs),
    riders: [rider],
  };
  const arrive = document.getElementById('arrive-by').value;
  if (arrive) body.arrive_by = localToRFC3339(arrive);
  if (errs.length) {
    for (const e of errs.reverse()) showFieldError(e, FIELDS, formErr);
    return;
  }
  const btn = document.getElementById('submit-trip');
  btn.disabled = true;
  try {
    const tr = await api('POST', '/trips', body);
    mergeTrip(tr);
    say(t('request.booked', { status: statusLabel(tr.status) }));
    document.getElementById('rider-name').value = '';
    document.getElementById('rider-phone').value = '';
    document.getElementById('rider-name').focus();
  } catch (e) {
    showFieldError(e, FIELDS, formErr);
    say(e.message, 'error');
  } finally {
    btn.disabled = false;
  }
}

// ---------- CSV import ----------

async function importCSV() {
  const input = document.getElementById('csv-file');
  const report = document.getElementById('csv-report');
  const file = input.files && input.files[0];
  if (!file) {
    report.replaceChildren(h('p', { class: 'error' }, t('csv.pick')));
    input.focus();
    return;
  }
  const btn = document.getElementById('csv-import');
  btn.disabled = true;
  report.replaceChildren(h('p', { class: 'muted' }, t('csv.sending')));
  try {
    const text = await file.text();
    const r = await api('POST', '/trips/import', text, 'text/csv');
    const trips = (r && r.trips) || [];
    for (const tr of trips) mergeTrip(tr);
    const n = r && typeof r.booked === 'number' ? r.booked : trips.length;
    report.replaceChildren(h('p', { class: 'ok' }, t('csv.booked', { n })));
    say(t('csv.booked', { n }));
    input.value = '';
  } catch (e) {
    const rows = (e.body && e.body.rows) || [];
    const parts = [h('p', { class: 'error' }, e.status === 404 || e.status === 405 ? t('csv.unavailable') : rows.length ? t('csv.refused', { n: rows.length }) : e.message)];
    if (rows.length) {
      parts.push(h('ul', { class: 'rows' }, rows.map((row) =>
        h('li', { dataset: { row: String(row.row), field: row.field || '' } },
          h('strong', {}, t('csv.row', { n: row.row })), ' ',
          row.field ? h('code', {}, row.field) : null, row.field ? ': ' : '',
          row.message))));
    } else if (e.field) {
      parts.push(h('p', {}, h('code', {}, e.field)));
    }
    report.replaceChildren(...parts);
    say(rows.length ? t('csv.refused', { n: rows.length }) : e.message, 'error');
  } finally {
    btn.disabled = false;
  }
}

// ---------- own trips ----------

function mergeTrip(tr) {
  if (!tr || !tr.id) return;
  const old = state.trips.get(tr.id);
  if (old && typeof old.version === 'number' && typeof tr.version === 'number' && old.version > tr.version) return;
  if (old && !tr.driver && old.driver && old.driver.id === tr.driver_id) tr = { ...tr, driver: old.driver };
  if (old && !tr.riders && old.riders) tr = { ...tr, riders: old.riders };
  if (old && !tr.pin && old.pin) tr = { ...tr, pin: old.pin };
  state.trips.set(tr.id, tr);
  // the driver's name and car come with the full trip; fetch it once per driver
  if (tr.driver_id && !tr.driver && driverFetched.get(tr.id) !== tr.driver_id) {
    driverFetched.set(tr.id, tr.driver_id);
    api('GET', '/trips/' + encodeURIComponent(tr.id)).then(mergeTrip).catch(() => {});
  }
  scheduleTrips();
}

let tripsTimer = 0;
function scheduleTrips() { if (!tripsTimer) tripsTimer = setTimeout(renderTrips, 30); }

const rows = new Map();

function tripRow(id) {
  const li = h('li', { class: 'trip', dataset: { tripId: id } },
    h('div', { class: 'trip-main' },
      h('span', { class: 'when' }), ' ',
      h('span', { class: 'kind' }), ' ',
      h('span', { class: 'riders' })),
    h('div', { class: 'trip-route' }),
    h('div', { class: 'trip-state' },
      h('span', { class: 'status' }), ' ',
      h('span', { class: 'status-label' }), ' ',
      h('span', { class: 'driver-wrap' }, h('span', { class: 'driver-label' }), ' ', h('span', { class: 'driver' })), ' ',
      h('span', { class: 'pin-wrap' }, h('span', { class: 'pin-label' }), ' ', h('strong', { class: 'pin' }))),
    h('button', { type: 'button', class: 'cancel' }),
    h('button', { type: 'button', class: 'primary checkin' }),
    h('span', { class: 'checked-in' }),
    h('p', { class: 'trip-error field-error', role: 'alert' }));
  li.querySelector('.cancel').addEventListener('click', () => cancelTrip(id, li));
  li.querySelector('.checkin').addEventListener('click', () => checkIn(id, '', li.querySelector('.trip-error')));
  return li;
}

function renderTrips() {
  tripsTimer = 0;
  const box = document.getElementById('trips');
  let ul = box.querySelector('ul');
  if (!ul) { ul = h('ul', { class: 'list trips' }); box.replaceChildren(ul); }
  const list = [...state.trips.values()].sort((a, b) => {
    const fa = FINAL.has(a.status) ? 1 : 0, fb = FINAL.has(b.status) ? 1 : 0;
    if (fa !== fb) return fa - fb;
    return fa ? Date.parse(b.arrive_by) - Date.parse(a.arrive_by) : Date.parse(a.arrive_by) - Date.parse(b.arrive_by);
  });
  const focused = ul.contains(document.activeElement);
  for (const tr of list) {
    let li = rows.get(tr.id);
    if (!li) { li = tripRow(tr.id); rows.set(tr.id, li); }
    li.dataset.status = tr.status;
    li.querySelector('.when').textContent = t('request.arriveAt', { at: fmtTime(tr.arrive_by) });
    li.querySelector('.kind').textContent = t('kind.' + tr.kind);
    li.querySelector('.riders').textContent = (tr.riders || []).map((r) => r.name).join('、');
    li.querySelector('.trip-route').textContent = `${(tr.pickup && tr.pickup.address) || '—'} → ${(tr.dropoff && tr.dropoff.address) || '—'}`;
    const st = li.querySelector('.status');
    st.textContent = tr.status;
    st.dataset.status = tr.status;
    li.querySelector('.status-label').textContent = statusLabel(tr.status);
    const d = tr.driver && tr.driver.id === tr.driver_id ? tr.driver : null;
    const drv = li.querySelector('.driver');
    drv.textContent = d ? [d.name, d.plate].filter(Boolean).join(' · ') : tr.driver_id || '';
    li.querySelector('.driver-label').textContent = tr.driver_id ? t('request.driver') : '';
    // The rider gives the driver this PIN at the pick-up (and a student at the drop-off).
    const showPIN = tr.pin && !FINAL.has(tr.status);
    li.querySelector('.pin-label').textContent = showPIN ? t('request.pin') : '';
    li.querySelector('.pin').textContent = showPIN ? tr.pin : '';
    const cancel = li.querySelector('.cancel');
    cancel.textContent = t('request.cancel');
    cancel.hidden = FINAL.has(tr.status);
    // At the exam site's gate: the student is here.
    const checkin = li.querySelector('.checkin');
    checkin.textContent = t('gate.checkIn');
    checkin.hidden = !(tr.status === 'picked_up' || (tr.status === 'completed' && !tr.checked_in_at));
    li.querySelector('.checked-in').textContent = tr.checked_in_at ? t('gate.checkedInAt', { at: fmtTime(tr.checked_in_at) }) : '';
    if (!focused || !li.isConnected) ul.append(li);
  }
  if (!list.length) box.replaceChildren(h('p', { class: 'empty' }, t('request.noTrips')));
}

// checkIn records a student arrived at the gate: one of ours by list, or
// another school's with the PIN the student (or the driver's phone) shows.
async function checkIn(id, pin, err) {
  err.textContent = '';
  try {
    const r = await api('POST', `/trips/${encodeURIComponent(id)}/checkin`, pin ? { pin } : undefined);
    const tr = state.trips.get(id);
    if (tr) mergeTrip({ ...tr, status: r.status, checked_in_at: r.checked_in_at, version: (tr.version || 0) + 1 });
    say(t('gate.done'));
    return true;
  } catch (e) {
    err.textContent = e.message;
    say(e.message, 'error');
    return false;
  }
}

async function gateCheckIn(ev) {
  ev.preventDefault();
  const err = document.getElementById('gate-error');
  const id = document.getElementById('gate-trip').value.trim();
  const pin = document.getElementById('gate-pin').value.trim();
  if (!id) { err.textContent = t('gate.needTrip'); return; }
  if (await checkIn(id, pin, err)) document.getElementById('gate-form').reset();
}

async function cancelTrip(id, li) {
  const err = li.querySelector('.trip-error');
  err.textContent = '';
  try {
    mergeTrip(await api('POST', `/trips/${encodeURIComponent(id)}/cancel`));
    say(t('request.cancelled'));
  } catch (e) {
    err.textContent = e.message;
    say(e.message, 'error');
  }
}

async function loadTrips() {
  try {
    const r = await api('GET', '/trips');
    for (const tr of r.trips || []) mergeTrip(tr);
    scheduleTrips();
  } catch (e) { say(e.message, 'error'); }
}

function onFrame(f) {
  const d = f.data || {};
  if (f.type === 'snapshot') {
    for (const tr of d.trips || []) mergeTrip(tr);
  } else if (f.type === 'trip') {
    const old = state.trips.get(d.id);
    mergeTrip(d);
    if (old && old.status !== d.status && (!old.version || !d.version || d.version > old.version)) {
      say(t('request.changed', { id: d.id, status: statusLabel(d.status) }));
    }
  }
}

// ---------- start ----------

function hello() {
  if (state.me) document.getElementById('hello').textContent = t('request.hello', { name: state.me.name });
}

async function start() {
  try { state.me = await api('GET', '/requesters/me'); } catch { state.me = null; }
  hello();
  loadPlaces();
  loadTrips();
  socket = new LiveSocket('/ws/requester', { onFrame, onState: connectionSayer() });
  socket.start();
}

function stop() {
  socket?.stop();
  socket = null;
  state.trips.clear();
  rows.clear();
  state.me = null;
  document.getElementById('trips').replaceChildren();
}

document.getElementById('trip-form').addEventListener('submit', submitTrip);
document.getElementById('gate-form').addEventListener('submit', gateCheckIn);
document.getElementById('dropoff-place').addEventListener('change', pickPlace);
document.getElementById('csv-import').addEventListener('click', importCSV);
initLang(() => { renderPlaces(); hello(); if (state.trips.size) renderTrips(); });
initSignin({ check: () => api('GET', '/requesters/me'), start, stop });
