// openclass shell script: registers the service worker (installable app, offline page).
if ("serviceWorker" in navigator && window.isSecureContext) {
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((error) => {
      console.warn("service worker not registered", error);
    });
  });
}

// Print buttons (credential sheets) without inline handlers, which the CSP forbids.
document.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target.closest("[data-print]") : null;
  if (target) {
    event.preventDefault();
    window.print();
  }
});

// The header's menus (web/base.html). Without script every group is a <details> that opens by
// itself and the whole menu shows; with it, a phone gets one menu button for the whole menu,
// Escape closes what is open (focus back on its button), opening one group closes the others,
// and a click or focus outside closes them.
const header = document.querySelector(".site-header");
const nav = document.querySelector("[data-main-nav]");
const toggle = document.querySelector("[data-menu-toggle]");
if (header && nav) {
  const groups = () => Array.from(nav.querySelectorAll("details"));
  const closeGroups = (except) => {
    for (const group of groups()) {
      if (group !== except) group.open = false;
    }
  };
  const setMenu = (open) => {
    if (!toggle) return;
    header.dataset.menu = open ? "open" : "closed";
    toggle.setAttribute("aria-expanded", String(open));
  };
  if (toggle) {
    toggle.hidden = false;
    setMenu(false);
    toggle.addEventListener("click", () => setMenu(header.dataset.menu !== "open"));
  }
  // On the summary's click (Enter, Space, a tap), in the order they happen: a details' toggle
  // event comes later, as a task, and one left over from the group before could close this one.
  nav.addEventListener("click", (event) => {
    const summary = event.target instanceof Element ? event.target.closest("summary") : null;
    if (summary && summary.parentElement instanceof HTMLDetailsElement) {
      closeGroups(summary.parentElement);
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const open = groups().find((group) => group.open);
    if (open) {
      open.open = false;
      open.querySelector("summary")?.focus();
    } else if (toggle && header.dataset.menu === "open" && toggle.offsetParent !== null) {
      setMenu(false);
      toggle.focus();
    }
  });
  const outside = (event) => {
    if (event.target instanceof Node && !nav.contains(event.target)) closeGroups(null);
  };
  document.addEventListener("click", outside);
  document.addEventListener("focusin", outside);
}

// Wide tables (.table-wrap): when one is wider than the screen, say so above it (the words come
// from the page, in its language: <body data-scroll-hint>) and let the keyboard scroll it.
const scrollHint = document.body.dataset.scrollHint || "";
const markWideTables = () => {
  for (const wrap of document.querySelectorAll(".table-wrap")) {
    if (!(wrap instanceof HTMLElement)) continue;
    if (wrap.scrollWidth > wrap.clientWidth + 1) {
      wrap.dataset.overflows = "";
      wrap.dataset.scrollHint = scrollHint;
      if (!wrap.hasAttribute("tabindex")) wrap.tabIndex = 0;
    } else {
      delete wrap.dataset.overflows;
    }
  }
};
markWideTables();
window.addEventListener("resize", markWideTables);
document.addEventListener("htmx:afterSwap", markWideTables);
