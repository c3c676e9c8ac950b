// dashboard.js: keeps a session's dashboard live (R3). On every change
// live.js reports for the session (live:change) and after a resync, it
// fetches the dashboard's cards (GET /sessions/{id}/parts) and swaps each
// [data-part] element for its new version, by id.
//
// The contact form is kept while the leader types in it: it is drawn again
// only when the call it is for changed or a log for that call arrived
// (data-form-key), and never while it holds typing; the form then says
// that the phone has moved on, and still logs the call it was drawn for.

const root = document.getElementById('dashboard');

// A form is sent once: a double click's second submit is swallowed (the
// idempotency key would make it harmless anyway).
function sendOnce(form) {
  form.addEventListener('submit', (e) => {
    if (form.dataset.sent) {
      e.preventDefault();
      return;
    }
    form.dataset.sent = '1';
    setTimeout(() => {
      for (const b of form.querySelectorAll('button[type="submit"]')) b.disabled = true;
    }, 0);
  });
}

// A contact form remembers being typed in.
function watchTyping(form) {
  const mark = () => { form.dataset.dirty = '1'; };
  form.addEventListener('input', mark);
  form.addEventListener('change', mark);
}

function wire(scope) {
  for (const f of scope.querySelectorAll('form[data-once]')) sendOnce(f);
  for (const f of scope.querySelectorAll('#contact-form')) watchTyping(f);
}

// keepForm reports whether the contact log shown must stay: it holds
// typing, or it is still the form for the same call.
function keepForm(current, next) {
  if (current.dataset.formKey === next.dataset.formKey) return true;
  const form = current.querySelector('#contact-form');
  if (!form || !form.dataset.dirty) return false;
  const [oldCall] = current.dataset.formKey.split(':');
  const [newCall] = next.dataset.formKey.split(':');
  const reason = oldCall === newCall ? 'logged' : 'moved';
  for (const note of form.querySelectorAll('[data-stale]')) note.hidden = note.dataset.stale !== reason;
  return true;
}

// dropStaleAlert removes the page's success alert once the phone moved on
// from where it was when the page was drawn: another call, or the leader's
// line changing state before any call ("Your phone will ring in a
// moment…" is over once it rang). The alert is for the moment it was set.
function dropStaleAlert(current, next) {
  if (next.id !== 'call-info') return;
  const was = current.dataset;
  const now = next.dataset;
  if (was.callId === now.callId && (now.callId !== '0' || was.stage === now.stage)) return;
  for (const alert of document.querySelectorAll('main > .alert-success')) alert.remove();
}

function swap(doc) {
  for (const next of doc.querySelectorAll('[data-part][id]')) {
    const current = document.getElementById(next.id);
    if (!current) continue;
    dropStaleAlert(current, next);
    if (next.id === 'contact-log' && keepForm(current, next)) continue;
    // Opened cycles of the journey stay open.
    for (const d of next.querySelectorAll('details[id]')) {
      const open = document.getElementById(d.id);
      if (open && open.open) d.open = true;
    }
    const hadFocus = current.contains(document.activeElement) ? document.activeElement.id : '';
    const fresh = document.importNode(next, true);
    current.replaceWith(fresh);
    wire(fresh);
    if (hadFocus) {
      const again = document.getElementById(hadFocus);
      if (again) again.focus();
    }
  }
}

// refresh fetches the parts; changes arriving meanwhile are folded into one
// more fetch after it.
let inFlight = false;
let again = false;
async function refresh() {
  if (inFlight) {
    again = true;
    return;
  }
  inFlight = true;
  try {
    const res = await fetch(root.dataset.partsUrl, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
    if (res.ok && !res.redirected) {
      swap(new DOMParser().parseFromString(await res.text(), 'text/html'));
    }
  } catch {
    // Offline: live.js shows it, and its resync brings a refresh.
  } finally {
    inFlight = false;
    if (again) {
      again = false;
      refresh();
    }
  }
}

if (root) {
  wire(document);
  const sessionID = root.dataset.partsUrl.split('/')[2];
  document.addEventListener('live:change', (e) => {
    if (!e.detail || String(e.detail.session_id) === sessionID) refresh();
  });
  document.addEventListener('live:resync', () => refresh());
}
