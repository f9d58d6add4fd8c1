// Shared by the three pages: the i18n table, the session (token in
// sessionStorage only), calls to the HTTP API, field errors, and a
// websocket that opens with a one-time ticket and resumes by itself.

import { STRINGS } from './i18n.js';

// ---------- language ----------

let lang = sessionStorage.getItem('hl.lang') === 'en' ? 'en' : 'zh-CN';

export function currentLang() { return lang; }

/** t looks a key up in the table of the current language, filling {name} slots. */
export function t(key, vars) {
  const table = STRINGS[lang] || STRINGS['zh-CN'];
  let s = table[key];
  if (s === undefined) s = STRINGS.en[key];
  if (s === undefined) s = key;
  if (vars) {
    s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] === undefined ? m : String(vars[k])));
  }
  return s;
}

/** applyI18n fills every [data-i18n] element (and placeholder/aria-label/title variants). */
export function applyI18n(root = document) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-aria-label]')) el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  const titleKey = document.body.dataset.titleKey;
  if (titleKey) document.title = t(titleKey);
  const btn = document.getElementById('lang');
  if (btn) {
    btn.textContent = lang === 'en' ? '中文' : 'English';
    btn.setAttribute('aria-label', lang === 'en' ? '切换到中文' : 'Switch to English');
  }
}

/** initLang wires button#lang; onChange re-renders what the page drew itself. */
export function initLang(onChange) {
  applyI18n();
  const btn = document.getElementById('lang');
  btn?.addEventListener('click', () => {
    lang = lang === 'en' ? 'zh-CN' : 'en';
    sessionStorage.setItem('hl.lang', lang);
    applyI18n();
    onChange?.();
  });
}

export function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return new Intl.DateTimeFormat(lang, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }).format(d);
}

export function fmtNumber(n, digits = 0) {
  return new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(n);
}

export function statusLabel(s) { return t('status.' + s); }

// ---------- status line ----------

export function say(msg, kind = 'info') {
  const el = document.getElementById('status-line');
  if (!el) return;
  el.textContent = msg;
  el.dataset.kind = kind;
}

// ---------- session ----------

const TOKEN_KEY = 'hl.token';

export function token() { return sessionStorage.getItem(TOKEN_KEY) || ''; }
export function setToken(v) { sessionStorage.setItem(TOKEN_KEY, v); }
export function clearToken() { sessionStorage.removeItem(TOKEN_KEY); }

// ---------- HTTP API ----------

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || String(status);
    this.field = e.field || '';
    this.body = body;
  }
}

let onUnauthorized = null;

/** api calls the HTTP API as the signed-in caller and returns the decoded body. */
export async function api(method, path, body, contentType = 'application/json') {
  const headers = { Accept: 'application/json' };
  const tok = token();
  if (tok) headers.Authorization = 'Bearer ' + tok;
  let payload;
  if (body instanceof FormData) {
    payload = body; // the browser writes Content-Type, with its boundary
  } else if (body !== undefined) {
    headers['Content-Type'] = contentType;
    payload = contentType === 'application/json' ? JSON.stringify(body) : body;
  }
  let res;
  try {
    res = await fetch('/api/v1' + path, { method, headers, body: payload, credentials: 'omit', cache: 'no-store' });
  } catch (err) {
    throw new ApiError(0, { error: { code: 'network', message: t('err.network') } });
  }
  noteServerClock(res.headers.get('Date'));
  let data = null;
  const text = await res.text();
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data);
    if (res.status === 401 && onUnauthorized) onUnauthorized(err);
    throw err;
  }
  return data;
}

// apiBlob fetches a binary resource of the API (a report's photo) with
// the signed-in token, for showing through a blob: URL.
export async function apiBlob(path) {
  const headers = {};
  const tok = token();
  if (tok) headers.Authorization = 'Bearer ' + tok;
  const res = await fetch('/api/v1' + path, { headers, credentials: 'omit' });
  if (!res.ok) throw new ApiError(res.status, null);
  return res.blob();
}

// ---------- server clock ----------

let clockOffset = 0;

// noteServerClock keeps how far the server's clock is from ours, so that a
// phone whose clock is off still counts an offer down right. The Date header
// has whole seconds: offsets under 1.5 s are taken as none.
function noteServerClock(dateHeader) {
  const d = Date.parse(dateHeader || '');
  if (Number.isNaN(d)) return;
  const off = d + 500 - Date.now();
  clockOffset = Math.abs(off) > 1500 ? off : 0;
}

/** serverNow is Date.now() on the server's clock, as far as we can tell. */
export function serverNow() { return Date.now() + clockOffset; }

// ---------- sign-in ----------

/**
 * initSignin wires the sign-in form. check(token) must call an endpoint only
 * the page's role may call; start() runs once signed in, stop() on sign-out.
 */
export function initSignin({ check, start, stop }) {
  const form = document.getElementById('signin-form');
  const input = document.getElementById('token');
  const err = document.getElementById('token-error');
  const signedIn = () => document.body.classList.contains('signed-in');
  const show = (yes) => {
    document.body.classList.toggle('signed-in', yes);
    document.getElementById('signin-section').hidden = yes;
    document.getElementById('app').hidden = !yes;
    document.getElementById('signout').hidden = !yes;
  };
  const signOut = (msg) => {
    clearToken();
    if (signedIn()) stop?.();
    show(false);
    if (msg) { err.textContent = msg; say(msg, 'error'); }
    input.focus();
  };
  onUnauthorized = () => signOut(t('err.unauthorized'));
  const go = async () => {
    err.textContent = '';
    try {
      await check();
    } catch (e) {
      clearToken();
      const msg = e.status === 401 ? t('err.badToken') : e.status === 403 ? t('err.wrongRole') : e.message;
      err.textContent = msg;
      say(msg, 'error');
      show(false);
      return;
    }
    input.value = '';
    show(true);
    say(t('msg.signedIn'));
    start();
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = input.value.trim();
    if (!v) { err.textContent = t('err.tokenEmpty'); input.focus(); return; }
    setToken(v);
    go();
  });
  document.getElementById('signout').addEventListener('click', () => signOut(t('msg.signedOut')));
  if (token()) go(); else show(false);
}

// ---------- field errors ----------

/**
 * showFieldError puts an API error next to the input it names. fieldMap maps
 * API field paths (e.g. "pickup.lat", "riders[0].name") to element ids; the
 * longest matching prefix wins. Returns true when it found a place for it.
 */
export function showFieldError(err, fieldMap, fallbackEl) {
  const f = err.field || '';
  let best = '';
  for (const k of Object.keys(fieldMap)) {
    const norm = f.replace(/\[\d+\]/g, '');
    if ((f === k || norm === k || f.startsWith(k + '.') || f.startsWith(k + '[') || norm.startsWith(k + '.')) && k.length > best.length) best = k;
  }
  if (best) {
    const input = document.getElementById(fieldMap[best]);
    const msgEl = document.getElementById(fieldMap[best] + '-error');
    if (input && msgEl) {
      msgEl.textContent = err.message;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return true;
    }
  }
  if (fallbackEl) { fallbackEl.textContent = err.message; }
  return false;
}

export function clearFieldErrors(form) {
  for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

// ---------- DOM helpers ----------

/** h builds an element: h('li', {class: 'x', dataset: {tripId}}, child, 'text'). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
export function s(tag, attrs) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null) continue;
    if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v);
  }
  return el;
}

export function requestId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

// Local datetime-local value "2027-06-07T08:15" → RFC 3339 with the browser's offset.
export function localToRFC3339(v) {
  if (!v) return '';
  const d = new Date(v); // a datetime-local value without offset is local time
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n) => String(Math.abs(n)).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` +
    `${sign}${pad(Math.trunc(off / 60))}:${pad(off % 60)}`;
}

export const OPEN = new Set(['queued', 'offered', 'unassigned']);
export const ACTIVE = new Set(['assigned', 'arrived', 'picked_up']);
export const FINAL = new Set(['completed', 'cancelled']);
export const STATUSES = ['queued', 'offered', 'unassigned', 'assigned', 'arrived', 'picked_up', 'completed', 'cancelled'];

// ---------- live socket ----------

/**
 * LiveSocket holds one websocket to path (e.g. "/ws/board"). It trades the
 * token for a one-time ticket before every connection, resumes from the
 * last event id it saw, and reconnects by itself with a growing delay.
 * onFrame(frame) gets every frame; onState(state) gets "connecting",
 * "open", "closed" or "retry".
 */
export class LiveSocket {
  constructor(path, { onFrame, onState }) {
    this.path = path;
    this.onFrame = onFrame;
    this.onState = onState || (() => {});
    this.lastId = '';
    this.ws = null;
    this.stopped = true;
    this.failures = 0;
    this.timer = 0;
    this.pending = new Map(); // request_id → {resolve, reject, timer}
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) { this.ws.onclose = null; this.ws.close(1000); this.ws = null; }
    for (const p of this.pending.values()) { clearTimeout(p.timer); p.reject(new ApiError(0, { error: { code: 'closed', message: t('err.offline') } })); }
    this.pending.clear();
    this.lastId = '';
  }

  get open() { return this.ws && this.ws.readyState === WebSocket.OPEN; }

  async connect() {
    if (this.stopped) return;
    this.onState('connecting');
    let ticket;
    try {
      ticket = (await api('POST', '/realtime/tickets')).ticket;
    } catch (e) {
      if (e.status === 401 || e.status === 403) { this.stopped = true; this.onState('closed'); return; }
      this.retry();
      return;
    }
    if (this.stopped) return;
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const q = new URLSearchParams({ ticket });
    // After repeated failures the id itself may be at fault: start afresh.
    if (this.lastId && this.failures < 3) q.set('last_event_id', this.lastId);
    const ws = new WebSocket(`${proto}//${location.host}${this.path}?${q}`);
    this.ws = ws;
    ws.onopen = () => { this.failures = 0; this.onState('open'); };
    ws.onmessage = (ev) => {
      let f;
      try { f = JSON.parse(ev.data); } catch { return; }
      if (!f || typeof f !== 'object') return;
      if (f.id) this.lastId = f.id;
      if ((f.type === 'ack' || f.type === 'error') && f.data && this.pending.has(f.data.request_id)) {
        const p = this.pending.get(f.data.request_id);
        this.pending.delete(f.data.request_id);
        clearTimeout(p.timer);
        if (f.type === 'ack') p.resolve(f.data.result);
        else p.reject(new ApiError(0, { error: f.data }));
        return;
      }
      try { this.onFrame(f); } catch (err) { console.error(err); }
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) return;
      this.retry();
    };
  }

  retry() {
    this.failures++;
    const delay = Math.min(15000, 500 * 2 ** Math.min(this.failures, 5)) * (0.75 + Math.random() / 2);
    this.onState('retry');
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  /** request sends {type, data: {request_id, ...data}} and resolves with the ack's result. */
  request(type, data, timeoutMs = 10000) {
    return new Promise((resolve, reject) => {
      if (!this.open) { reject(new ApiError(0, { error: { code: 'offline', message: t('err.offline') } })); return; }
      const id = requestId();
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ApiError(0, { error: { code: 'timeout', message: t('err.timeout') } }));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.ws.send(JSON.stringify({ type, data: { request_id: id, ...data } }));
    });
  }
}

/** connectionSayer turns socket states into status-line messages. */
export function connectionSayer() {
  return (state) => {
    const el = document.getElementById('conn');
    if (el) { el.dataset.state = state; el.textContent = t('conn.' + state); }
    if (state === 'retry') say(t('conn.retry'), 'warn');
    else if (state === 'open') say(t('conn.open'));
  };
}
