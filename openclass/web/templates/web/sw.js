{% load static %}// openclass service worker: keeps the app shell for fast starts and an offline page.
// Signed-in pages are never cached: a shared school tablet must not show one child's page to another.
const SHELL = [
  "{% url 'web:offline' %}",
  "{% static 'web/app.css' %}",
  "{% static 'web/app.js' %}",
  "{% static 'vendor/htmx/htmx.min.js' %}",
  "{% static 'web/icons/icon.svg' %}",
  "{% static 'web/icons/icon-192.png' %}",
];
const CACHE = "openclass-shell-" + SHELL.join("|").length + "-" + "{% static 'web/app.css' %}".split("/").pop();

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("openclass-shell-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match("{% url 'web:offline' %}")));
    return;
  }
  if (url.pathname.startsWith("{% get_static_prefix %}")) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  }
});
