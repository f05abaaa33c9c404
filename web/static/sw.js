// sw.js: the service worker that makes the page work offline once loaded.
// Network first (the server answers unchanged files with a cheap 304), the
// cache when the network fails. The registry API is never cached.
"use strict";
const CACHE = "aigclabel-v1";
const SHELL = ["./", "index.html", "style.css", "i18n.js", "app.js", "zip.js", "worker.js",
  "wasm_exec.js", "aigclabel.wasm", "icon.svg", "manifest.webmanifest"];

self.addEventListener("install", (ev) => {
  // Cache what is there; a missing module must not stop the page from installing.
  ev.waitUntil(caches.open(CACHE).then((c) => Promise.all(SHELL.map((u) => c.add(u).catch(() => {}))))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (ev) => {
  ev.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (ev) => {
  const url = new URL(ev.request.url);
  if (ev.request.method !== "GET" || url.origin !== self.location.origin || url.pathname.includes("/api/")) return;
  ev.respondWith((async () => {
    try {
      const resp = await fetch(ev.request);
      if (resp.ok) {
        const copy = resp.clone();
        caches.open(CACHE).then((c) => c.put(ev.request, copy));
      }
      return resp;
    } catch (e) {
      const hit = await caches.match(ev.request, { ignoreSearch: true });
      if (hit) return hit;
      throw e;
    }
  })());
});
