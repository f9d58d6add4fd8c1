// The guardian link's page, /g/{token}: a rider's family follows one trip
// without signing in. It reads the token from its own address, asks
// GET /api/v1/shared/{token} every few seconds, and shows what the answer
// holds: status, the driver's first name and plate, the times, the
// handover PIN, and the car's position while the rider is aboard. The
// token is never stored, logged or sent anywhere else.

import { t, initLang, say, s as svg, fmtTime, statusLabel } from './common.js';
import { Projection } from './map.js';

const POLL_MS = 5000;
const token = decodeURIComponent(location.pathname.replace(/^\/g\//, '').split('/')[0] || '');
const proj = new Projection(600, 360, 30);
let view = null;
let trail = []; // positions seen since the page opened, oldest first
let timer = 0;
let failures = 0;

function text(id, s) { document.getElementById(id).textContent = s; }
function show(id, yes) { document.getElementById(id).hidden = !yes; }

function fmtClock(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return d.toLocaleTimeString(document.documentElement.lang, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

function driverLine(v) {
  if (!v.driver) return t('guardian.noDriver');
  return t('guardian.driverIs', { name: v.driver.first_name, plate: v.driver.plate });
}

function whereText(v) {
  if (v.position) return t('guardian.positionAt', { at: fmtClock(v.position.at) });
  if (v.status === 'completed') return t('guardian.dropped');
  return t('guardian.notAboard');
}

function render() {
  if (!view) return;
  const v = view;
  show('gone', false);
  show('trip', true);
  text('trip-kind', t('kind.' + v.kind));
  const st = document.getElementById('trip-status');
  st.textContent = statusLabel(v.status);
  st.dataset.status = v.status;
  text('trip-pickup', v.pickup.name || t('guardian.noName'));
  text('trip-dropoff', v.dropoff.name || t('guardian.noName'));
  text('trip-pickup-at', fmtTime(v.pickup_at));
  text('trip-dropoff-at', fmtTime(v.dropoff_at));
  text('trip-arrive-by', fmtTime(v.arrive_by));
  text('trip-driver', driverLine(v));
  text('trip-updated', fmtTime(v.updated_at));
  show('pin-card', Boolean(v.pin));
  text('trip-pin', v.pin || '');
  show('where', true);
  text('where-text', whereText(v));
  drawMap(v);
  text('trip-expires', t('guardian.expires', { at: fmtTime(v.expires_at) }));
}

function drawMap(v) {
  const map = document.getElementById('g-map');
  map.hidden = !v.position;
  const grid = document.getElementById('g-grid');
  const line = document.getElementById('g-trail');
  const car = document.getElementById('g-car');
  grid.replaceChildren();
  line.replaceChildren();
  car.replaceChildren();
  if (!v.position) return;
  proj.fit(trail);
  const step = proj.gridStep();
  for (let lat = Math.ceil(proj.minLat / step) * step; lat <= proj.maxLat; lat += step) {
    const [x1, y] = proj.xy({ lat, lng: proj.minLng });
    const [x2] = proj.xy({ lat, lng: proj.maxLng });
    grid.append(svg('line', { x1, y1: y, x2, y2: y, class: 'grid' }));
  }
  for (let lng = Math.ceil(proj.minLng / step) * step; lng <= proj.maxLng; lng += step) {
    const [x, y1] = proj.xy({ lat: proj.maxLat, lng });
    const [, y2] = proj.xy({ lat: proj.minLat, lng });
    grid.append(svg('line', { x1: x, y1, x2: x, y2, class: 'grid' }));
  }
  if (trail.length > 1) {
    line.append(svg('polyline', { points: trail.map((p) => proj.xy(p).join(',')).join(' '), class: 'trail' }));
  }
  const [x, y] = proj.xy(v.position);
  const dot = svg('circle', { cx: x, cy: y, r: 10, class: 'car' });
  const label = svg('title');
  label.textContent = driverLine(v);
  dot.append(label);
  car.append(dot);
}

async function poll() {
  clearTimeout(timer);
  let res;
  try {
    res = await fetch('/api/v1/shared/' + encodeURIComponent(token), {
      headers: { Accept: 'application/json' }, credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer',
    });
  } catch {
    failures++;
    say(t('err.network'), 'error');
    timer = setTimeout(poll, Math.min(POLL_MS * (1 + failures), 60000));
    return;
  }
  if (res.status === 404) {
    view = null;
    show('trip', false);
    show('pin-card', false);
    show('where', false);
    text('trip-expires', '');
    show('gone', true);
    say(t('guardian.gone'), 'warn');
    return; // nothing more will come
  }
  if (!res.ok) {
    failures++;
    const wait = Number(res.headers.get('Retry-After')) * 1000 || POLL_MS * (1 + failures);
    say(res.status === 429 ? t('guardian.busy') : t('err.timeout'), 'warn');
    timer = setTimeout(poll, Math.min(wait, 60000));
    return;
  }
  failures = 0;
  view = await res.json();
  if (view.position) {
    const last = trail[trail.length - 1];
    if (!last || last.lat !== view.position.lat || last.lng !== view.position.lng) {
      trail.push({ lat: view.position.lat, lng: view.position.lng });
      trail = trail.slice(-200);
    }
  } else {
    trail = [];
  }
  say(t('guardian.live', { at: fmtClock(new Date().toISOString()) }));
  render();
  timer = setTimeout(poll, POLL_MS);
}

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && (view || failures)) poll();
});

initLang(render);
if (!token) {
  show('gone', true);
} else {
  poll();
}
