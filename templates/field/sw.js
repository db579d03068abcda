// Field app service worker: keeps the shell, the visited field pages and the offline household list
// usable without network. Rendered by distributions.views.service_worker so static URLs are the hashed ones.
const VERSION = "{{ version }}";
const SHELL = "field-shell-" + VERSION;
const PAGES = "field-pages";
const SHELL_FILES = {{ shell_files|safe }};
const STATIC_PREFIX = "{{ static_prefix }}";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(SHELL_FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key.startsWith("field-shell-") && key !== SHELL).map((key) => caches.delete(key))))
      .then(() => self.clients.claim())
  );
});

function cacheFirst(request) {
  return caches.match(request).then((cached) => cached || fetch(request).then((response) => {
    if (response.ok) {
      const copy = response.clone();
      caches.open(SHELL).then((cache) => cache.put(request, copy));
    }
    return response;
  }));
}

function networkFirst(request, keep) {
  return fetch(request).then((response) => {
    if (keep && response.ok && !response.redirected) {
      const copy = response.clone();
      caches.open(PAGES).then((cache) => cache.put(request, copy));
    }
    return response;
  }).catch(() => caches.match(request, { ignoreVary: true }).then((cached) => {
    if (cached) return cached;
    if (request.mode === "navigate") return caches.match("{% url 'distributions:picker' %}", { ignoreVary: true })
      .then((picker) => picker || new Response("offline", { status: 503 }));
    return new Response("", { status: 503 });
  }));
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith(STATIC_PREFIX)) {
    event.respondWith(cacheFirst(request));
  } else if (url.pathname.startsWith("/field/") && !url.pathname.endsWith("/search/")) {
    // Pages and the offline list: fresh when the network answers, the last copy when it does not.
    event.respondWith(networkFirst(request, request.mode === "navigate" || url.pathname.endsWith("/offline.json")));
  }
});
