// sheet.js: the View all supporters sheet, the supporter card and the
// "Skip for…" dialog, enhanced. Every part works without it (links, forms
// and <details> menus); with it:
//   - one three-dot menu is open at a time, Escape closes it;
//   - "Skip for…" opens its form in a <dialog> over the sheet;
//   - the skip form shows the date box only for a custom date, the "do not
//     contact" box only for Remove, and asks for the reason with Remove;
//   - the rows follow the session live (live.js's live:change and
//     live:resync), unless the leader is using a menu or a dialog.

const menus = () => document.querySelectorAll('details[data-menu]');

function closeMenus(except) {
  for (const m of menus()) if (m !== except) m.open = false;
}

function enhanceMenus() {
  document.addEventListener('toggle', (e) => {
    const d = e.target;
    if (d.matches && d.matches('details[data-menu]') && d.open) closeMenus(d);
  }, true);
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape') return;
    const open = document.querySelector('details[data-menu][open]');
    if (open) {
      open.open = false;
      open.querySelector('summary').focus();
    }
  });
  document.addEventListener('click', (e) => {
    if (!e.target.closest('details[data-menu]')) closeMenus(null);
  });
}

// enhanceSkipForm fits the skip form to the type chosen.
export function enhanceSkipForm(form) {
  if (!form || form.dataset.enhanced) return;
  form.dataset.enhanced = 'yes';
  const fit = () => {
    const checked = form.querySelector('input[name="type"]:checked');
    const type = checked ? checked.value : '';
    const date = form.querySelector('[data-for-type="date"]');
    const remove = form.querySelector('[data-for-type="remove"]');
    const reason = form.querySelector('#reason');
    if (date) date.hidden = type !== 'date' && !date.classList.contains('field-invalid');
    if (remove) remove.hidden = type !== 'remove';
    if (reason) reason.required = type === 'remove';
    const box = form.querySelector('#do_not_call');
    if (box && type !== 'remove') box.checked = false;
  };
  form.addEventListener('change', (e) => { if (e.target.name === 'type') fit(); });
  fit();
}

// The skip dialog: the skip page's form, fetched and shown over the sheet.
function enhanceSkipLinks() {
  document.addEventListener('click', async (e) => {
    const link = e.target.closest('a[data-action="skip"]');
    if (!link || e.defaultPrevented || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey) return;
    if (typeof HTMLDialogElement === 'undefined') return; // the page itself will do
    e.preventDefault();
    let body;
    try {
      const resp = await fetch(link.href, { credentials: 'same-origin' });
      if (!resp.ok) throw new Error(String(resp.status));
      const doc = new DOMParser().parseFromString(await resp.text(), 'text/html');
      body = doc.getElementById('skip-dialog-body');
    } catch {
      body = null;
    }
    if (!body) {
      location.href = link.href;
      return;
    }
    closeMenus(null);
    const dialog = document.createElement('dialog');
    dialog.className = 'skip-modal';
    dialog.id = 'skip-dialog';
    dialog.setAttribute('aria-labelledby', 'skip-heading');
    dialog.append(document.adoptNode(body));
    document.body.append(dialog);
    const cancel = dialog.querySelector('[data-action="cancel"]');
    if (cancel) cancel.addEventListener('click', (ev) => { ev.preventDefault(); dialog.close(); });
    dialog.addEventListener('close', () => { dialog.remove(); link.focus(); });
    enhanceSkipForm(dialog.querySelector('#skip-form'));
    dialog.showModal();
    const first = dialog.querySelector('input[name="type"]:checked') || dialog.querySelector('input');
    if (first) first.focus();
  });
}

// Live rows: a change in the session fetches this page again and swaps in
// its rows and paging, when nobody is in the middle of something.
function liveRows() {
  const rows = document.getElementById('sheet-rows');
  if (!rows || !document.querySelector('[data-live]')) return;
  let timer = 0;
  const busy = () => document.querySelector('details[data-menu][open], dialog[open]') ||
    (document.activeElement && rows.contains(document.activeElement) && document.activeElement !== document.body);
  const refresh = async () => {
    if (busy()) {
      timer = setTimeout(refresh, 2000);
      return;
    }
    try {
      const resp = await fetch(location.href, { credentials: 'same-origin' });
      if (!resp.ok) return;
      const doc = new DOMParser().parseFromString(await resp.text(), 'text/html');
      for (const id of ['sheet-rows', 'sheet-paging']) {
        const fresh = doc.getElementById(id);
        const old = document.getElementById(id);
        if (fresh && old && !busy()) old.replaceWith(document.adoptNode(fresh));
      }
    } catch {
      // offline: live.js shows it, and a resync follows the reconnect
    }
  };
  const soon = () => { clearTimeout(timer); timer = setTimeout(refresh, 250); };
  document.addEventListener('live:change', soon);
  document.addEventListener('live:resync', soon);
}

enhanceMenus();
enhanceSkipLinks();
enhanceSkipForm(document.getElementById('skip-form'));
liveRows();
