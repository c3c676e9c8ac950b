// sessions.js: keeps the Calling Sessions index in step without a reload
// (R2.4). live.js opens the page's stream (data-live on #sessions-live)
// and says live:change / live:resync on document; on either, this module
// reads the same URL again (same filter, same page) and swaps the fresh
// rows in. The rows are drawn by the server's template only, so the page
// and its updates never disagree, and a burst of changes (every claim of
// every session) costs one request a second at most.

const REFRESH_MS = 1000;
const section = document.getElementById('sessions-live');
let timer = 0;
let running = false;
let again = false;

async function refresh() {
  if (running) {
    again = true;
    return;
  }
  running = true;
  try {
    const resp = await fetch(location.href, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
    // Logged out meanwhile (sent to the login page): leave the page as it
    // is; the next click shows the login.
    if (!resp.ok || resp.redirected) return;
    const doc = new DOMParser().parseFromString(await resp.text(), 'text/html');
    const fresh = doc.getElementById('sessions-live');
    if (fresh) section.replaceChildren(...Array.from(fresh.childNodes, (n) => document.adoptNode(n)));
    section.dispatchEvent(new CustomEvent('sessions:refreshed', { bubbles: true }));
  } catch {
    // Offline: live.js says so, and its resync on reconnecting retries.
  } finally {
    running = false;
    if (again) {
      again = false;
      schedule();
    }
  }
}

function schedule() {
  if (timer) return;
  timer = setTimeout(() => {
    timer = 0;
    refresh();
  }, REFRESH_MS);
}

if (section) {
  document.addEventListener('live:change', schedule);
  document.addEventListener('live:resync', schedule);
}
