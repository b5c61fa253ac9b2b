// Offline use: on install, keep every file the page needs (listed by build.sh in
// wheels/manifest.json); then answer from that cache first, and keep what else this origin
// serves as it is fetched.
const CACHE = "gradkit-page-v1";

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const manifest = await (await fetch("wheels/manifest.json", { cache: "no-store" })).json();
    const cache = await caches.open(CACHE);
    await cache.addAll([...manifest.files, "sw.js", "wheels/manifest.json"]);
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const hit = await cache.match(event.request, { ignoreSearch: true });
    if (hit) return hit;
    const response = await fetch(event.request);
    if (response.ok) cache.put(event.request, response.clone());
    return response;
  })());
});
