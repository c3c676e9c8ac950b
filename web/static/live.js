// live.js: keeps a page in step with the server by server-sent events
// (web/live), and pauses the leader's calling session when the page closes
// (R4.4). No framework, no inline script; a page opts in with attributes:
//
//   <main data-live="/sessions/12/events?since=…" data-pause-url="/sessions/12/pause">
//   <meta name="csrf-token" content="…">
//   <p id="live-status" role="status" hidden></p>
//
// Other modules listen on document for `live:change` (detail: {session_id,
// kind, id}) and `live:resync` (reload everything shown), or use onChange /
// onResync. Events, not imports, so a module loaded under another URL
// (a checksum in it) still hears them.

import { csrfToken } from './app.js';

const OFFLINE_TEXT = 'Offline — reconnecting…';
const SILENCE_MS = 45000; // the server pings after 15 s of silence
const MAX_REOPEN_MS = 30000;

export function onChange(fn) {
  document.addEventListener('live:change', (e) => fn(e.detail));
}

export function onResync(fn) {
  document.addEventListener('live:resync', (e) => fn(e.detail));
}

// connect opens the stream of url and keeps it open: EventSource retries by
// itself after a dropped connection, but gives up on an error status (a
// server restarting) and never notices a connection that went silent, so
// both are reopened here, from the last event seen.
export function connect(url, root = document.documentElement) {
  let source = null;
  let lastId = '';
  let silence = 0;
  let reopenIn = 2000;

  const setOffline = (offline) => {
    root.toggleAttribute('data-offline', offline);
    const status = document.getElementById('live-status');
    if (status) {
      status.textContent = offline ? OFFLINE_TEXT : '';
      status.hidden = !offline;
    }
  };
  const heard = (e) => {
    if (e && e.lastEventId) lastId = e.lastEventId;
    clearTimeout(silence);
    silence = setTimeout(reopen, SILENCE_MS);
  };
  const dispatch = (name) => (e) => {
    heard(e);
    if (name === 'resync') setOffline(false);
    const detail = { ...JSON.parse(e.data), id: e.lastEventId };
    document.dispatchEvent(new CustomEvent(`live:${name}`, { detail }));
  };
  const open = () => {
    const u = new URL(url, location.href);
    if (lastId) u.searchParams.set('since', lastId);
    source = new EventSource(u.toString());
    source.onopen = () => { reopenIn = 2000; setOffline(false); heard(); };
    source.onerror = () => {
      setOffline(true);
      if (source.readyState === EventSource.CLOSED) {
        clearTimeout(silence);
        setTimeout(reopen, reopenIn);
        reopenIn = Math.min(2 * reopenIn, MAX_REOPEN_MS);
      }
    };
    source.addEventListener('change', dispatch('change'));
    source.addEventListener('resync', dispatch('resync'));
    source.addEventListener('ping', heard);
    source.addEventListener('status', (e) => {
      heard(e);
      setOffline(!JSON.parse(e.data).live);
    });
  };
  const reopen = () => {
    clearTimeout(silence);
    if (source) source.close();
    open();
  };
  open();
  return () => { clearTimeout(silence); source.close(); };
}

// pauseOnPageClose tells the server the leader left the page, with the CSRF
// token like every state change (in the form field web's checkCSRF reads:
// "csrf", or data-csrf-field). A link or form of the page leads to another
// panel page, which pauses in turn if it is closed; only leaving the panel
// (closing the tab, another site) pauses. Not on visibilitychange: a
// leader's phone hides the page for every call.
export function pauseOnPageClose(url, token, field = 'csrf') {
  let navigating = 0;
  const inPanel = (href) => new URL(href, location.href).origin === location.origin;
  // On document, so it runs after the page's own handlers: one that
  // prevented the default keeps the page open.
  document.addEventListener('click', (e) => {
    const a = e.target.closest && e.target.closest('a[href]');
    if (!a || e.defaultPrevented || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey) return;
    if (!a.target && !a.hasAttribute('download') && inPanel(a.href)) navigating = Date.now();
  });
  document.addEventListener('submit', (e) => { if (!e.defaultPrevented) navigating = Date.now(); });
  window.addEventListener('pagehide', () => {
    if (Date.now() - navigating < 5000) return;
    const form = new FormData();
    form.append(field, token);
    navigator.sendBeacon(url, form);
  });
}

const root = document.querySelector('[data-live], [data-pause-url]');
if (root && root.dataset.live) connect(root.dataset.live, root);
if (root && root.dataset.pauseUrl) {
  pauseOnPageClose(root.dataset.pauseUrl, csrfToken(), root.dataset.csrfField);
}
