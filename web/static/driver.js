// The volunteer driver's phone page: presence and position, live offers
// with a countdown, whole-route offers from a coordinator's plan, the
// current trip step by step, upcoming trips, campaign
// sign-ups and own volunteer hours, over /ws/driver.

import {
  t, initLang, initSignin, api, say, h, fmtTime, fmtNumber, statusLabel, LiveSocket, connectionSayer, serverNow, currentLang,
  ACTIVE, FINAL,
} from './common.js';

const LOCATION_EVERY_MS = 10000;
const STICKY_MS = 6000; // a failed accept stays on screen this long

const state = {
  me: null,
  status: 'offline',
  position: null, // {lat, lng, source}
  offers: new Map(), // trip_id → offer (+ failed, stickyUntil)
  routes: new Map(), // route id → route offer (+ busy, blocked, failed, stickyUntil, error)
  trips: new Map(), // id → trip
  campaigns: [],
  signups: new Map(), // campaign_id/shift_id → signup
  stats: null,
  stations: null, // the last station search, nearest first
  reports: new Map(), // id → the driver's own report, as last shown
  lost: new Map(), // id → an item the driver logged
};
let socket = null;
let timers = [];
let locTimer = 0;
let geoWatch = null;

// ---------- presence & position ----------

function renderPresence() {
  const el = document.getElementById('presence');
  el.dataset.status = state.status;
  el.querySelector('.label').textContent = t('presence.' + state.status);
  document.getElementById('go-online').disabled = state.status === 'online';
  document.getElementById('go-offline').disabled = state.status !== 'online';
  const info = document.getElementById('position-info');
  info.textContent = state.position
    ? t(state.position.source === 'gps' ? 'position.fromGps' : 'position.fromHand', { lat: state.position.lat.toFixed(5), lng: state.position.lng.toFixed(5) })
    : t('position.none');
  const geo = document.getElementById('use-geolocation');
  geo.setAttribute('aria-pressed', String(geoWatch !== null));
  geo.textContent = t(geoWatch !== null ? 'position.geoStop' : 'position.geo');
}

function fieldErr(id, msg) {
  const input = document.getElementById(id);
  document.getElementById(id + '-error').textContent = msg || '';
  if (msg) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
}

function readManual() {
  fieldErr('manual-lat'); fieldErr('manual-lng');
  const latS = document.getElementById('manual-lat').value.trim();
  const lngS = document.getElementById('manual-lng').value.trim();
  const lat = Number(latS), lng = Number(lngS);
  let ok = true;
  if (!latS || !Number.isFinite(lat) || lat < -85.05112878 || lat > 85.05112878) { fieldErr('manual-lat', t('position.badLat')); ok = false; }
  if (!lngS || !Number.isFinite(lng) || lng < -180 || lng > 180) { fieldErr('manual-lng', t('position.badLng')); ok = false; }
  return ok ? { lat, lng, source: 'hand' } : null;
}

function showPositionError(e) {
  const f = e.field || '';
  if (f.endsWith('lat')) fieldErr('manual-lat', e.message);
  else if (f.endsWith('lng')) fieldErr('manual-lng', e.message);
  else document.getElementById('presence-error').textContent = e.message;
  say(e.message, 'error');
}

/** call sends a request over the socket when it is open, else over HTTP. */
async function call(type, data, httpMethod, httpPath, httpBody) {
  if (socket && socket.open) return socket.request(type, data);
  return api(httpMethod, httpPath, httpBody);
}

async function setPresence(status) {
  document.getElementById('presence-error').textContent = '';
  const body = { status };
  if (status === 'online') {
    if (!state.position) {
      const p = readManual();
      if (!p) { document.getElementById('presence-error').textContent = t('position.needed'); say(t('position.needed'), 'error'); return; }
      state.position = p;
    }
    body.location = { lat: state.position.lat, lng: state.position.lng };
  }
  try {
    await call('presence', body, 'POST', '/drivers/me/presence', body);
    state.status = status;
    say(t(status === 'online' ? 'presence.nowOnline' : 'presence.nowOffline'));
    if (status === 'online') startLocation(); else stopLocation();
  } catch (e) {
    showPositionError(e);
  }
  renderPresence();
}

async function sendLocation() {
  if (state.status !== 'online' || !state.position) return;
  const p = { lat: state.position.lat, lng: state.position.lng };
  try {
    if (socket && socket.open) await socket.request('location', p);
    else await api('POST', '/drivers/me/presence', { status: 'online', location: p });
  } catch (e) {
    if (e.code === 'rate_limited') return;
    showPositionError(e);
  }
}

function startLocation() {
  stopLocation();
  locTimer = setInterval(sendLocation, LOCATION_EVERY_MS);
}
function stopLocation() { clearInterval(locTimer); locTimer = 0; }

function toggleGeolocation() {
  if (geoWatch !== null) {
    navigator.geolocation.clearWatch(geoWatch);
    geoWatch = null;
    renderPresence();
    return;
  }
  if (!('geolocation' in navigator)) { say(t('position.noGeo'), 'error'); return; }
  let first = true;
  geoWatch = navigator.geolocation.watchPosition((pos) => {
    state.position = { lat: pos.coords.latitude, lng: pos.coords.longitude, source: 'gps' };
    document.getElementById('manual-lat').value = pos.coords.latitude.toFixed(6);
    document.getElementById('manual-lng').value = pos.coords.longitude.toFixed(6);
    renderPresence();
    if (first) { first = false; sendLocation(); }
  }, (err) => {
    say(t('position.geoFailed', { msg: err.message }), 'error');
    if (geoWatch !== null) navigator.geolocation.clearWatch(geoWatch);
    geoWatch = null;
    renderPresence();
  }, { enableHighAccuracy: true, maximumAge: 5000, timeout: 20000 });
  renderPresence();
}

function setManualPosition() {
  const p = readManual();
  if (!p) return;
  if (geoWatch !== null) { navigator.geolocation.clearWatch(geoWatch); geoWatch = null; }
  state.position = p;
  renderPresence();
  say(t('position.saved'));
  sendLocation();
}

// ---------- offers ----------

function area(a) { return a ? `${a.lat.toFixed(2)}, ${a.lng.toFixed(2)}` : '—'; }

function shownOffer() {
  const now = serverNow();
  let best = null;
  for (const o of state.offers.values()) {
    const live = !o.failed && Date.parse(o.expires_at) > now;
    const sticky = o.failed && o.stickyUntil > now;
    if (!live && !sticky) continue;
    if (sticky) return o;
    if (!best || Date.parse(o.expires_at) < Date.parse(best.expires_at)) best = o;
  }
  return best;
}

function renderOffer() {
  const card = document.getElementById('offer');
  const now = serverNow();
  for (const [id, o] of state.offers) {
    if (o.failed ? o.stickyUntil <= now : Date.parse(o.expires_at) <= now) state.offers.delete(id);
  }
  const o = shownOffer();
  if (!o) {
    card.hidden = true;
    delete card.dataset.tripId;
    return;
  }
  const wasHidden = card.hidden || card.dataset.tripId !== o.trip_id;
  card.hidden = false;
  card.dataset.tripId = o.trip_id;
  const left = Math.max(0, Math.ceil((Date.parse(o.expires_at) - now) / 1000));
  card.querySelector('.countdown').textContent = String(o.failed ? 0 : left);
  card.classList.toggle('urgent', left <= 10);
  card.querySelector('.kind').textContent = t('kind.' + o.kind) + (o.wheelchair ? ' · ' + t('offer.wheelchair') : '');
  card.querySelector('.pickup-area').textContent = area(o.pickup_area);
  card.querySelector('.dropoff-area').textContent = area(o.dropoff_area);
  card.querySelector('.pickup-at').textContent = fmtTime(o.pickup_at);
  card.querySelector('.arrive-by').textContent = fmtTime(o.arrive_by);
  card.querySelector('.seats').textContent = String(o.seats);
  card.querySelector('.offer-error').textContent = o.error || '';
  const busy = !!o.busy || !!o.failed;
  document.getElementById('accept').disabled = busy;
  document.getElementById('decline').disabled = busy;
  const others = [...state.offers.values()].filter((x) => x !== o && !x.failed).length;
  const more = card.querySelector('.more');
  more.hidden = others === 0;
  more.textContent = t('offer.more', { n: others });
  if (wasHidden && !o.failed) say(t('offer.new'), 'warn');
}

function addOffer(o) {
  const old = state.offers.get(o.trip_id);
  state.offers.set(o.trip_id, { ...old, ...o, failed: false, error: '' });
  renderOffer();
}

function withdrawOffer(tripId, reason) {
  const o = state.offers.get(tripId);
  if (!o) return;
  if (o.failed) return; // keep the failure on screen a moment
  state.offers.delete(tripId);
  say(t('offer.gone.' + reason) || reason, 'info');
  renderOffer();
}

async function accept() {
  const card = document.getElementById('offer');
  const id = card.dataset.tripId;
  const o = state.offers.get(id);
  if (!o) return;
  o.busy = true;
  renderOffer();
  try {
    const res = await call('accept', { trip_id: id }, 'POST', `/trips/${encodeURIComponent(id)}/accept`);
    const trip = res && (res.trip || res);
    state.offers.delete(id);
    if (trip && trip.id) mergeTrip(trip);
    say(t('offer.accepted'));
    renderOffer();
    document.getElementById('next-step').focus();
  } catch (e) {
    o.busy = false;
    o.failed = true;
    o.error = e.message;
    o.stickyUntil = serverNow() + STICKY_MS;
    state.offers.set(id, o); // an offer_withdrawn may have removed it meanwhile
    say(e.message, 'error');
    renderOffer();
  }
}

async function decline() {
  const id = document.getElementById('offer').dataset.tripId;
  const o = state.offers.get(id);
  if (!o) return;
  o.busy = true;
  renderOffer();
  try {
    await call('decline', { trip_id: id }, 'POST', `/trips/${encodeURIComponent(id)}/decline`);
    state.offers.delete(id);
    say(t('offer.declined'));
  } catch (e) {
    o.busy = false;
    o.error = e.message;
    say(e.message, 'error');
  }
  renderOffer();
}

// ---------- route offers ----------
// A coordinator's plan offers a driver a whole morning as one route: every
// stop in order with its time, areas rather than addresses. Confirming takes
// every trip of it at once; an `assigned` frame then follows for each.

function fmtClock(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return new Intl.DateTimeFormat(currentLang(), { hour: '2-digit', minute: '2-digit' }).format(d);
}

function shownRoute() {
  const now = serverNow();
  let best = null;
  for (const r of state.routes.values()) {
    if (r.failed) { if (r.stickyUntil > now) return r; continue; }
    if (!(Date.parse(r.expires_at) > now)) continue;
    if (!best || Date.parse(r.expires_at) < Date.parse(best.expires_at)) best = r;
  }
  return best;
}

function renderRouteOffer() {
  const card = document.getElementById('route-offer');
  const now = serverNow();
  for (const [id, r] of state.routes) {
    if (r.failed ? r.stickyUntil <= now : !(Date.parse(r.expires_at) > now)) state.routes.delete(id);
  }
  const r = shownRoute();
  if (!r) {
    card.hidden = true;
    delete card.dataset.routeId;
    return;
  }
  const isNew = card.hidden || card.dataset.routeId !== r.id;
  card.hidden = false;
  card.dataset.routeId = r.id;
  const left = r.failed ? 0 : Math.max(0, Math.ceil((Date.parse(r.expires_at) - now) / 1000));
  const m = Math.floor(left / 60), s = left % 60;
  const cd = card.querySelector('.countdown');
  cd.textContent = `${m}:${String(s).padStart(2, '0')}`;
  cd.dataset.seconds = String(left);
  cd.setAttribute('aria-label', t('routeOffer.timer', { m, s }));
  card.classList.toggle('urgent', left <= 60);
  const stops = r.stops || [];
  card.querySelector('.route-start').textContent = fmtTime(r.start);
  card.querySelector('.route-students').textContent = String(stops.filter((x) => x.kind === 'pickup').length);
  card.querySelector('.route-km').textContent = t('routeOffer.kmValue', { km: fmtNumber(r.km || 0, 1) });
  if (isNew || card.dataset.lang !== currentLang()) {
    card.dataset.lang = currentLang();
    card.querySelector('.route-stops').replaceChildren(...stops.map((st) => h('li', { class: 'stop ' + st.kind, dataset: { kind: st.kind, tripId: st.trip_id } },
      h('time', { class: 'stop-at', datetime: st.at }, fmtClock(st.at)), ' ',
      h('span', { class: 'stop-kind' }, t('stop.' + st.kind)), ' · ',
      h('span', { class: 'stop-area' }, area(st.place)))));
  }
  const err = card.querySelector('.route-error');
  if (err.textContent !== (r.error || '')) err.textContent = r.error || '';
  document.getElementById('accept-route').disabled = !!r.busy || !!r.failed || !!r.blocked;
  document.getElementById('decline-route').disabled = !!r.busy || !!r.failed;
  const others = [...state.routes.values()].filter((x) => x !== r && !x.failed).length;
  const more = card.querySelector('.more');
  more.hidden = others === 0;
  more.textContent = t('routeOffer.more', { n: others });
  if (isNew && !r.failed) say(t('routeOffer.new'), 'warn');
}

function addRouteOffer(r) {
  if (!r || !r.id) return;
  state.routes.set(r.id, { ...r, failed: false, blocked: false, busy: false, error: '' });
  renderRouteOffer();
}

/** onRoute takes a `route` frame: the route was confirmed, declined or lapsed. */
function onRoute(d) {
  const r = state.routes.get(d.route_id);
  if (!r || r.failed) return; // a failure stays on screen a moment
  state.routes.delete(d.route_id);
  if (!r.busy) say(t('routeOffer.gone.' + (d.status === 'confirmed' ? 'confirmed' : d.reason === 'expired' ? 'expired' : 'declined')));
  renderRouteOffer();
}

/** focusAfterRoute puts the focus somewhere sensible once the card is gone. */
function focusAfterRoute() {
  const card = document.getElementById('route-offer');
  if (!card.hidden) {
    const accept = document.getElementById('accept-route');
    (accept.disabled ? document.getElementById('decline-route') : accept).focus();
    return;
  }
  const cur = document.getElementById('current-trip');
  if (!cur.hidden) document.getElementById('next-step').focus();
  else document.getElementById('upcoming-h').focus();
}

async function answerRoute(action) {
  const id = document.getElementById('route-offer').dataset.routeId;
  const r = state.routes.get(id);
  if (!r || r.busy) return;
  r.busy = true;
  r.error = '';
  renderRouteOffer();
  try {
    await api('POST', `/routes/${encodeURIComponent(id)}/${action}`);
    state.routes.delete(id);
    say(t(action === 'accept' ? 'routeOffer.accepted' : 'routeOffer.declined'));
    renderRouteOffer();
    if (action === 'accept') loadTrips(); // the assigned frames bring them too
    focusAfterRoute();
  } catch (e) {
    r.busy = false;
    r.error = e.message;
    if (e.status === 404 || e.status === 403 || (e.status === 409 && e.code === 'conflict')) {
      // the route is closed (answered, lapsed) or not ours: show why, then let it go
      r.failed = true;
      r.stickyUntil = serverNow() + STICKY_MS;
    } else if (action === 'accept' && e.status === 409) {
      r.blocked = true; // a trip was taken or clashes: accepting again cannot work, declining can
    }
    state.routes.set(id, r);
    say(e.message, 'error');
    renderRouteOffer();
    if (r.blocked) document.getElementById('decline-route').focus();
  }
}

// ---------- trips ----------

function mergeTrip(tr) {
  const old = state.trips.get(tr.id);
  if (state.me && tr.driver_id !== state.me.id) {
    // released, cancelled or handed to someone else: no longer ours
    if (old) { state.trips.delete(tr.id); renderTrips(); }
    return;
  }
  if (old && typeof old.version === 'number' && typeof tr.version === 'number' && old.version > tr.version) return;
  // a later redacted view must not wipe contact details already granted
  if (old && !tr.riders && old.riders && !FINAL.has(tr.status)) tr = { ...tr, riders: old.riders, pickup: old.pickup, dropoff: old.dropoff };
  state.trips.set(tr.id, tr);
  if (ACTIVE.has(tr.status) && !tr.riders) fetchTrip(tr.id);
  if (tr.status === 'completed' && (!old || old.status !== 'completed')) loadStats();
  renderTrips();
}

async function fetchTrip(id) {
  try {
    const tr = await api('GET', '/trips/' + encodeURIComponent(id));
    if (tr.riders) { const old = state.trips.get(id); if (!old || (old.version || 0) <= tr.version) { state.trips.set(id, tr); renderTrips(); } }
  } catch { /* keep what we have */ }
}

function currentTrip() {
  let cur = null;
  for (const tr of state.trips.values()) {
    if (!ACTIVE.has(tr.status)) continue;
    // a trip under way comes before one merely assigned
    const rank = (x) => (x.status === 'assigned' ? 1 : 0);
    if (!cur || rank(tr) < rank(cur) || (rank(tr) === rank(cur) && Date.parse(tr.pickup_at) < Date.parse(cur.pickup_at))) cur = tr;
  }
  return cur;
}

const NEXT = { assigned: 'arrived', arrived: 'picked_up', picked_up: 'completed' };

// needsPIN: the rider's PIN proves the pick-up, and a student's drop-off
// (the server checks; an operator may switch it off, and a PIN sent where
// none is needed is ignored).
function needsPIN(tr, step) {
  return step === 'picked_up' || (step === 'completed' && tr.kind === 'exam_escort');
}

function renderTrips() {
  lostTripOptions();
  const sec = document.getElementById('current-trip');
  const cur = currentTrip();
  if (!cur) {
    sec.hidden = true;
    delete sec.dataset.tripId;
  } else {
    sec.hidden = false;
    if (sec.dataset.tripId !== cur.id) sec.querySelector('.trip-error').textContent = '';
    sec.dataset.tripId = cur.id;
    sec.dataset.status = cur.status;
    sec.querySelector('.status').textContent = cur.status;
    sec.querySelector('.status').dataset.status = cur.status;
    sec.querySelector('.status-label').textContent = statusLabel(cur.status);
    sec.querySelector('.kind').textContent = t('kind.' + cur.kind);
    const riders = cur.riders || [];
    sec.querySelector('.rider-name').textContent = riders.map((r) => r.name).join('、') || '—';
    const phones = sec.querySelector('.rider-phone');
    phones.replaceChildren(...riders.filter((r) => r.phone).flatMap((r, i) => [i ? ' · ' : '', h('a', { href: 'tel:' + r.phone.replace(/[^+0-9]/g, '') }, r.phone)]));
    if (!phones.childNodes.length) phones.textContent = '—';
    sec.querySelector('.pickup-address').textContent = (cur.pickup && cur.pickup.address) || area(cur.pickup);
    sec.querySelector('.dropoff-address').textContent = (cur.dropoff && cur.dropoff.address) || area(cur.dropoff);
    sec.querySelector('.pickup-at').textContent = fmtTime(cur.pickup_at);
    sec.querySelector('.arrive-by').textContent = fmtTime(cur.arrive_by);
    sec.querySelector('.trip-code').textContent = cur.id; // the gate types it with the student's PIN
    const btn = document.getElementById('next-step');
    btn.dataset.step = NEXT[cur.status];
    btn.textContent = t('step.' + NEXT[cur.status]);
    const pinField = sec.querySelector('.pin-field');
    const wantPIN = needsPIN(cur, NEXT[cur.status]);
    if (pinField.hidden === wantPIN) document.getElementById('handover-pin').value = '';
    pinField.hidden = !wantPIN;
  }
  const ul = document.getElementById('upcoming');
  const list = [...state.trips.values()]
    .filter((tr) => (!cur || tr.id !== cur.id) && !FINAL.has(tr.status))
    .sort((a, b) => Date.parse(a.pickup_at) - Date.parse(b.pickup_at));
  ul.replaceChildren(...list.map((tr) => h('li', { dataset: { tripId: tr.id, status: tr.status } },
    h('strong', {}, fmtTime(tr.pickup_at)), ' ',
    t('kind.' + tr.kind), ' → ', (tr.dropoff && tr.dropoff.address) || area(tr.dropoff), ' · ',
    h('span', { class: 'status', dataset: { status: tr.status } }, tr.status), ' ',
    h('span', { class: 'status-label' }, statusLabel(tr.status)))));
  if (!list.length) ul.replaceChildren(h('li', { class: 'empty' }, t('driver.noUpcoming')));
}

async function nextStep() {
  const sec = document.getElementById('current-trip');
  const id = sec.dataset.tripId;
  const btn = document.getElementById('next-step');
  const step = btn.dataset.step;
  if (!id || !step) return;
  btn.disabled = true;
  sec.querySelector('.trip-error').textContent = '';
  try {
    const body = { step };
    const pin = document.getElementById('handover-pin');
    if (!sec.querySelector('.pin-field').hidden) body.pin = pin.value.trim();
    const tr = await api('POST', `/trips/${encodeURIComponent(id)}/progress`, body);
    pin.value = '';
    mergeTrip(tr);
    say(t('step.done.' + step));
  } catch (e) {
    sec.querySelector('.trip-error').textContent = e.message;
    say(e.message, 'error');
  } finally {
    btn.disabled = false;
  }
}

async function loadTrips() {
  try {
    const r = await api('GET', '/trips');
    for (const tr of r.trips || []) mergeTrip(tr);
    renderTrips();
  } catch (e) { say(e.message, 'error'); }
}

// ---------- campaigns & sign-ups ----------

async function loadCampaigns() {
  try {
    const [list, mine] = await Promise.all([api('GET', '/campaigns'), api('GET', '/drivers/me/signups')]);
    const full = await Promise.all((list.campaigns || []).map((c) => api('GET', '/campaigns/' + encodeURIComponent(c.id)).catch(() => c)));
    state.campaigns = full;
    state.signups.clear();
    for (const s of mine.signups || []) state.signups.set(`${s.campaign_id}/${s.shift_id}`, s);
  } catch (e) {
    if (e.status !== 404) say(e.message, 'error');
    state.campaigns = [];
  }
  renderSignups();
}

function renderSignups() {
  const box = document.getElementById('signups');
  if (!state.campaigns.length) { box.replaceChildren(h('p', { class: 'empty' }, t('campaigns.none'))); return; }
  const keepFocus = document.activeElement && box.contains(document.activeElement) ? document.activeElement.id : '';
  box.replaceChildren(...state.campaigns.map((c) => {
    const win = c.window || {};
    return h('div', { class: 'campaign', dataset: { campaignId: c.id } },
      h('h3', {}, c.name),
      h('p', { class: 'window ' + (win.open ? 'open' : 'closed') },
        win.open ? t('campaigns.open', { at: fmtTime(win.next_close) }) : t('campaigns.closed', { at: fmtTime(win.next_open) })),
      h('ul', { class: 'shifts' }, (c.shifts || []).map((sh) => {
        const mine = state.signups.get(`${c.id}/${sh.id}`);
        const need = sh.cars_needed || 0;
        const btnId = `su-${c.id}-${sh.id}`;
        return h('li', { class: 'shift', dataset: { shiftId: sh.id, mine: mine ? mine.status : '' } },
          h('span', { class: 'shift-when' }, `${sh.date} ${sh.start}–${sh.end}`),
          sh.name || sh.place_name ? h('span', { class: 'shift-site' }, [sh.name, sh.place_name].filter(Boolean).join(' · ')) : null,
          h('meter', { min: 0, max: Math.max(need, 1), value: sh.confirmed || 0, 'aria-label': t('campaigns.fillOf', { when: `${sh.date} ${sh.start}` }) }),
          h('span', { class: 'fill' }, t('campaigns.fill', { confirmed: sh.confirmed || 0, needed: need, pct: need ? Math.round((100 * (sh.confirmed || 0)) / need) : 0, waiting: sh.waiting || 0 })),
          mine ? h('span', { class: 'mine ' + mine.status }, mine.status === 'waiting' ? t('signup.waiting', { n: mine.position || '?' }) : t('signup.confirmed')) : null,
          h('button', {
            type: 'button', id: btnId, class: mine ? 'withdraw' : 'signup',
            onclick: () => (mine ? withdraw(c.id, sh.id) : signUp(c.id, sh.id)),
          }, mine ? t('signup.withdraw') : t('signup.signUp')),
          h('p', { class: 'signup-error field-error', id: btnId + '-error', role: 'alert' }));
      })));
  }));
  if (keepFocus) document.getElementById(keepFocus)?.focus();
}

async function signUp(cid, sid) {
  try {
    const s = await api('POST', `/campaigns/${encodeURIComponent(cid)}/shifts/${encodeURIComponent(sid)}/signup`);
    state.signups.set(`${cid}/${sid}`, s);
    say(s.status === 'waiting' ? t('signup.waiting', { n: s.position || '?' }) : t('signup.confirmed'));
    await loadCampaigns();
  } catch (e) {
    const el = document.getElementById(`su-${cid}-${sid}-error`);
    if (el) el.textContent = e.message;
    say(e.message, 'error');
  }
}

async function withdraw(cid, sid) {
  try {
    await api('DELETE', `/campaigns/${encodeURIComponent(cid)}/shifts/${encodeURIComponent(sid)}/signup`);
    state.signups.delete(`${cid}/${sid}`);
    say(t('signup.withdrawn'));
    await loadCampaigns();
  } catch (e) {
    const el = document.getElementById(`su-${cid}-${sid}-error`);
    if (el) el.textContent = e.message;
    say(e.message, 'error');
  }
}

// ---------- hours ----------

async function loadStats() {
  try {
    state.stats = await api('GET', '/drivers/me/stats');
  } catch (e) {
    state.stats = null; // 404 until the endpoint exists: a dash
  }
  renderStats();
}

function renderStats() {
  const el = document.getElementById('hours');
  const st = state.stats;
  if (!st || typeof st.hours !== 'number') { el.textContent = '—'; el.dataset.hours = ''; return; }
  el.dataset.hours = String(st.hours);
  el.dataset.trips = String(st.trips_completed);
  el.textContent = t('hours.text', { hours: fmtNumber(st.hours, 1), trips: fmtNumber(st.trips_completed || 0) });
}

// ---------- stations ----------

// The nearest driver stations by the travel model, from where the driver
// is (else home): open now or not, how far, what each offers.
async function findStations() {
  const err = document.getElementById('stations-error');
  err.textContent = '';
  const here = whereAmI();
  if (!here) { err.textContent = t('position.needed'); return; }
  const q = new URLSearchParams({ kind: 'station', near: `${here.lat},${here.lng}`, limit: '5' });
  if (document.getElementById('stations-open').checked) q.set('open', 'true');
  try {
    const r = await api('GET', '/places?' + q);
    state.stations = r.places || [];
  } catch (e) {
    err.textContent = e.message;
    return;
  }
  renderStations();
}

function renderStations() {
  const list = document.getElementById('stations');
  if (!state.stations) { list.replaceChildren(); return; }
  if (!state.stations.length) { list.replaceChildren(h('li', { class: 'empty' }, t('stations.none'))); return; }
  list.replaceChildren(...state.stations.map((p) => {
    const open = p.open_now === undefined ? 'unknown' : p.open_now ? 'open' : 'closed';
    return h('li', { class: 'station', dataset: { placeId: p.id, open } },
      h('strong', {}, p.name),
      h('span', { class: 'station-way' }, t('stations.way', { km: fmtNumber(p.distance_km || 0, 1), min: p.travel_minutes || 0 })),
      h('span', { class: 'station-open ' + open }, t('stations.' + open)),
      (p.services || []).length ? h('span', { class: 'station-services' }, p.services.map((sv) => t('service.' + sv)).join(' · ')) : null);
  }));
}

// ---------- reports ----------

// A report from the road (随手拍): kind, note and up to three photos, at
// where the driver is; the server strips the photos' metadata.
async function sendReport(ev) {
  ev.preventDefault();
  const err = document.getElementById('report-error');
  err.textContent = '';
  const here = whereAmI();
  if (!here) { err.textContent = t('position.needed'); return; }
  const files = [...document.getElementById('report-photos').files];
  if (files.length > 3) { err.textContent = t('report.tooMany'); return; }
  const fd = new FormData();
  fd.append('kind', document.getElementById('report-kind').value);
  fd.append('note', document.getElementById('report-note').value.trim());
  fd.append('location', `${here.lat},${here.lng}`);
  for (const f of files) fd.append('photo', f, f.name);
  const btn = document.getElementById('report-send');
  btn.disabled = true;
  try {
    const r = await api('POST', '/reports', fd);
    state.reports.set(r.id, r);
    document.getElementById('report-form').reset();
    say(t('report.sent'));
    renderReports();
  } catch (e) {
    err.textContent = e.message;
    say(e.message, 'error');
  } finally {
    btn.disabled = false;
  }
}

async function loadReports() {
  try {
    const r = await api('GET', '/reports?limit=20');
    state.reports.clear();
    for (const x of r.reports || []) state.reports.set(x.id, x);
    renderReports();
  } catch (e) { /* the list is a convenience: sending still works */ }
}

function renderReports() {
  const list = document.getElementById('reports');
  const rs = [...state.reports.values()].sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
  if (!rs.length) { list.replaceChildren(h('li', { class: 'empty' }, t('report.none'))); return; }
  list.replaceChildren(...rs.map((r) => h('li', { class: 'report', dataset: { reportId: r.id, status: r.status } },
    h('strong', {}, t('report.kind.' + r.kind)),
    h('span', { class: 'report-when' }, ' ' + fmtTime(r.created_at) + ' · '),
    h('span', { class: 'report-status ' + r.status }, t('report.status.' + r.status)),
    r.forwarded_to ? h('span', { class: 'report-to' }, ' · ' + t('report.forwardedTo', { to: r.forwarded_to })) : null,
    r.note ? h('p', { class: 'report-note' }, r.note) : null,
    r.outcome ? h('p', { class: 'report-outcome' }, t('report.outcome', { text: r.outcome })) : null)));
}

function reportChanged(d) {
  const had = state.reports.get(d.id);
  state.reports.set(d.id, d);
  if (had && had.status !== d.status) say(t('report.changed', { status: t('report.status.' + d.status) }));
  renderReports();
}

// ---------- lost property ----------

// lostTripOptions offers the driver's trips, newest first, to name the
// one an item was found after.
function lostTripOptions() {
  const sel = document.getElementById('lost-trip');
  const keep = sel.value;
  const trips = [...state.trips.values()].sort((a, b) => Date.parse(b.pickup_at || b.created_at) - Date.parse(a.pickup_at || a.created_at)).slice(0, 10);
  sel.replaceChildren(h('option', { value: '' }, t('lost.noTrip')),
    ...trips.map((tr) => h('option', { value: tr.id }, `${fmtTime(tr.pickup_at || tr.created_at)} · ${(tr.dropoff && tr.dropoff.address) || tr.id}`)));
  if ([...sel.options].some((o) => o.value === keep)) sel.value = keep;
}

async function sendLost(ev) {
  ev.preventDefault();
  const err = document.getElementById('lost-error');
  err.textContent = '';
  const description = document.getElementById('lost-description').value.trim();
  if (!description) { err.textContent = t('lost.needDescription'); return; }
  const fd = new FormData();
  const trip = document.getElementById('lost-trip').value;
  if (trip) fd.append('trip_id', trip);
  fd.append('description', description);
  const kept = document.getElementById('lost-kept').value.trim();
  if (kept) fd.append('kept_at', kept);
  const photo = document.getElementById('lost-photo').files[0];
  if (photo) fd.append('photo', photo, photo.name);
  const btn = document.getElementById('lost-send');
  btn.disabled = true;
  try {
    const it = await api('POST', '/lost-items', fd);
    state.lost.set(it.id, it);
    document.getElementById('lost-form').reset();
    say(t('lost.sent'));
    renderLost();
  } catch (e) {
    err.textContent = e.message;
    say(e.message, 'error');
  } finally {
    btn.disabled = false;
  }
}

async function loadLost() {
  try {
    const r = await api('GET', '/lost-items?limit=20');
    state.lost.clear();
    for (const x of r.items || []) state.lost.set(x.id, x);
    renderLost();
  } catch (e) { /* the list is a convenience: logging still works */ }
}

function renderLost() {
  lostTripOptions();
  const list = document.getElementById('lost-items');
  const items = [...state.lost.values()].sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
  if (!items.length) { list.replaceChildren(h('li', { class: 'empty' }, t('lost.none'))); return; }
  list.replaceChildren(...items.map((it) => h('li', { class: 'lost-item', dataset: { lostId: it.id, status: it.status } },
    h('strong', {}, it.description),
    h('span', { class: 'lost-status ' + it.status }, ' · ' + t('lost.status.' + it.status)),
    it.return ? h('p', {}, t('lost.returnedTo', { to: it.return.to, at: fmtTime(it.return.at) })) : null)));
}

// ---------- SOS ----------

// While an SOS is open, its position goes to the board every SOS_EVERY_MS
// (pressing it again is the API's way to move it), until a coordinator
// resolves it (an sos_resolved frame). A press that fails is retried.
const SOS_EVERY_MS = 5000;
const sos = { id: '', tripId: '', timer: 0, message: '' };

// whereAmI is the driver's position as this page knows it, else where
// the service last had them, else home; null when none is known.
function whereAmI() {
  if (state.position) return { lat: state.position.lat, lng: state.position.lng };
  const p = state.me && (state.me.location || state.me.home);
  return p ? { lat: p.lat, lng: p.lng } : null;
}

function renderSOS() {
  const st = document.getElementById('sos-status');
  st.hidden = !sos.message;
  st.textContent = sos.message;
  document.getElementById('sos').setAttribute('aria-pressed', String(Boolean(sos.id)));
}

function askSOS() {
  document.getElementById('sos-confirm').hidden = false;
  document.getElementById('sos-yes').focus();
}

function cancelSOS() {
  document.getElementById('sos-confirm').hidden = true;
  document.getElementById('sos').focus();
}

async function pressSOS() {
  clearTimeout(sos.timer);
  const location = whereAmI();
  const body = { location };
  const tr = currentTrip();
  if (tr && (!sos.tripId || sos.tripId === tr.id)) body.trip_id = tr.id;
  try {
    const r = await api('POST', '/sos', body);
    const first = sos.id !== r.id;
    sos.id = r.id;
    sos.tripId = r.trip_id || '';
    sos.message = t('sos.sent');
    if (first) say(t('sos.sent'), 'warn');
  } catch (e) {
    sos.message = t('sos.failed', { msg: e.message });
    say(sos.message, 'error');
  }
  renderSOS();
  sos.timer = setTimeout(pressSOS, sos.id ? SOS_EVERY_MS : 3000);
}

function raiseSOS() {
  document.getElementById('sos-confirm').hidden = true;
  if (navigator.geolocation && geoWatch === null) {
    // one fix now if the phone gives it; the last known position otherwise
    navigator.geolocation.getCurrentPosition((pos) => {
      state.position = { lat: pos.coords.latitude, lng: pos.coords.longitude, source: 'gps' };
    }, () => {}, { enableHighAccuracy: true, timeout: 4000, maximumAge: 10000 });
  }
  pressSOS();
}

function sosResolved(d) {
  if (!sos.id || d.id !== sos.id) return;
  clearTimeout(sos.timer);
  sos.id = '';
  sos.tripId = '';
  sos.message = t('sos.resolvedDriver');
  say(sos.message);
  renderSOS();
}

function stopSOS() {
  clearTimeout(sos.timer);
  sos.id = ''; sos.tripId = ''; sos.message = '';
  renderSOS();
}

// ---------- live ----------

function onFrame(f) {
  const d = f.data || {};
  switch (f.type) {
    case 'snapshot':
      for (const [id, o] of state.offers) if (!o.failed) state.offers.delete(id);
      for (const o of d.offers || []) addOffer(o);
      for (const tr of d.trips || []) mergeTrip(tr);
      renderOffer();
      renderTrips();
      break;
    case 'offer': addOffer(d); break;
    case 'offer_withdrawn': withdrawOffer(d.trip_id, d.reason); break;
    case 'route_offer': addRouteOffer(d); break;
    case 'route': onRoute(d); break;
    case 'assigned':
      state.offers.delete(d.id);
      mergeTrip(d);
      renderOffer();
      say(t('offer.yours'));
      break;
    case 'trip':
      mergeTrip(d);
      if (d.status === 'cancelled') say(t('trip.cancelled'), 'warn');
      break;
    case 'announcement':
      say(t('announce.' + d.kind, { campaign: d.campaign || '', at: fmtTime(d.closes_at || d.shift_start || d.opens_at) }), 'warn');
      loadCampaigns();
      break;
    case 'signup':
      say(t('signup.promoted'), 'warn');
      loadCampaigns();
      break;
    case 'sos_resolved': sosResolved(d); break;
    case 'report': reportChanged(d); break;
    case 'lost_item':
      if (state.lost.has(d.id) && state.lost.get(d.id).status !== d.status) say(t('lost.changed', { what: d.description }));
      state.lost.set(d.id, d);
      renderLost();
      break;
    case 'shift_fill': {
      // Pushed at most once a second per shift while sign-ups happen.
      const c = state.campaigns.find((x) => x.id === d.campaign_id);
      const sh = c && (c.shifts || []).find((x) => x.id === d.shift_id);
      if (sh) {
        sh.confirmed = d.confirmed;
        sh.waiting = d.waiting;
        renderSignups();
      }
      break;
    }
    default: break;
  }
}

// ---------- start ----------

async function start() {
  try {
    state.me = await api('GET', '/drivers/me');
  } catch (e) { say(e.message, 'error'); return; }
  const me = state.me;
  document.getElementById('hello').textContent = t('driver.hello', { name: me.name, plate: me.vehicle ? me.vehicle.plate : '' });
  state.status = me.status || 'offline';
  const p = me.location || me.home;
  if (me.location) state.position = { lat: me.location.lat, lng: me.location.lng, source: 'hand' };
  if (p) {
    document.getElementById('manual-lat').value = String(p.lat);
    document.getElementById('manual-lng').value = String(p.lng);
  }
  renderPresence();
  if (state.status === 'online') startLocation();
  socket = new LiveSocket('/ws/driver', { onFrame, onState: connectionSayer() });
  socket.start();
  loadTrips();
  loadCampaigns();
  loadStats();
  loadReports();
  loadLost();
  timers.push(setInterval(() => { renderOffer(); renderRouteOffer(); }, 1000));
  // Fills arrive live (shift_fill); this re-read is a safety net for windows opening and closing.
  timers.push(setInterval(() => { if (!document.hidden) loadCampaigns(); }, 60000));
}

function stop() {
  socket?.stop();
  socket = null;
  stopSOS();
  stopLocation();
  if (geoWatch !== null) { navigator.geolocation.clearWatch(geoWatch); geoWatch = null; }
  for (const x of timers) clearInterval(x);
  timers = [];
  state.offers.clear(); state.routes.clear(); state.trips.clear(); state.campaigns = []; state.signups.clear(); state.stats = null; state.stations = null; state.reports.clear(); state.lost.clear();
  state.status = 'offline'; state.position = null;
  renderOffer(); renderRouteOffer(); renderTrips(); renderSignups(); renderStats(); renderStations(); renderReports(); renderLost(); renderPresence();
}

document.getElementById('go-online').addEventListener('click', () => setPresence('online'));
document.getElementById('go-offline').addEventListener('click', () => setPresence('offline'));
document.getElementById('use-geolocation').addEventListener('click', toggleGeolocation);
document.getElementById('set-position').addEventListener('click', setManualPosition);
document.getElementById('accept').addEventListener('click', accept);
document.getElementById('decline').addEventListener('click', decline);
document.getElementById('accept-route').addEventListener('click', () => answerRoute('accept'));
document.getElementById('decline-route').addEventListener('click', () => answerRoute('decline'));
document.getElementById('next-step').addEventListener('click', nextStep);
document.getElementById('find-stations').addEventListener('click', findStations);
document.getElementById('report-form').addEventListener('submit', sendReport);
document.getElementById('lost-form').addEventListener('submit', sendLost);
document.getElementById('sos').addEventListener('click', askSOS);
document.getElementById('sos-yes').addEventListener('click', raiseSOS);
document.getElementById('sos-no').addEventListener('click', cancelSOS);

initLang(() => {
  if (sos.message) sos.message = t(sos.id ? 'sos.sent' : 'sos.resolvedDriver');
  renderSOS();
  renderPresence(); renderOffer(); renderRouteOffer(); renderTrips(); renderSignups(); renderStats(); renderStations(); renderReports(); renderLost();
  if (state.me) document.getElementById('hello').textContent = t('driver.hello', { name: state.me.name, plate: state.me.vehicle ? state.me.vehicle.plate : '' });
});
renderPresence();
initSignin({ check: () => api('GET', '/drivers/me'), start, stop });
