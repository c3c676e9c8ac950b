// The panel's own module, on every page. Other modules import what they
// need from it: import { csrfToken } from "./app.js" (same folder, so the
// same release).

// csrfToken is the token every state change must carry: in the X-Csrf-Token
// header of fetch, or in the "csrf" field of a form or a sendBeacon body.
export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

// The navigation collapses behind its Menu button on a phone's screen.
// Without this script it simply stays open.
function collapsibleNavigation() {
  const toggle = document.querySelector(".nav-toggle");
  const menu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
  if (!toggle || !menu) return;
  const narrow = window.matchMedia("(max-width: 48rem)");
  const show = (open) => {
    toggle.setAttribute("aria-expanded", String(open));
    menu.hidden = !open;
  };
  const fit = () => {
    toggle.hidden = !narrow.matches;
    show(!narrow.matches);
  };
  toggle.addEventListener("click", () => show(toggle.getAttribute("aria-expanded") !== "true"));
  narrow.addEventListener("change", fit);
  fit();
}

collapsibleNavigation();
