/* SM2 technician portal's service worker: pushed alerts, and the job list kept for offline.

   Pages (/tech, /tech/jobs/<id>) go to the network first; each one that loads is kept, and
   shown from here when the network is down (the last loaded job list stays readable). With
   nothing kept yet, a navigation gets the offline page. Signing in or out forgets the kept
   pages: the next login on this phone must not see the previous one's jobs. */
"use strict";

var VERSION = {{ version|tojson }};
var KEPT = {{ kept|tojson }};
var OFFLINE = {{ offline|tojson }};
var ICON = {{ icon|tojson }};
var STATIC_CACHE = "sm2-tech-static-" + VERSION;
var PAGES_CACHE = "sm2-tech-pages";
var PAGES = /^\/tech(\/jobs\/[0-9a-fA-F-]{36})?$/;
var SESSION_PAGES = ["/tech/login", "/tech/logout"];

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(STATIC_CACHE)
      .then(function (cache) { return cache.addAll(KEPT.concat([OFFLINE])); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys()
      .then(function (names) {
        return Promise.all(names.filter(function (name) {
          return name.indexOf("sm2-tech-") === 0 && name !== STATIC_CACHE && name !== PAGES_CACHE;
        }).map(function (name) { return caches.delete(name); }));
      })
      .then(function () { return self.clients.claim(); })
  );
});

function fromNetworkFirst(request, key) {
  return fetch(request).then(function (response) {
    // Only a page really shown to this login: not a redirect to the sign-in page, not an error.
    if (response.ok && response.type === "basic" && !response.redirected) {
      var copy = response.clone();
      caches.open(PAGES_CACHE).then(function (cache) { return cache.put(key, copy); });
    }
    return response;
  }).catch(function () {
    return caches.open(PAGES_CACHE)
      .then(function (cache) { return cache.match(key, { ignoreVary: true }); })
      .then(function (kept) {
        if (kept) return kept;
        if (request.mode === "navigate") return caches.match(OFFLINE, { ignoreVary: true });
        return Response.error();
      });
  });
}

function fromCacheFirst(request) {
  return caches.match(request, { ignoreVary: true }).then(function (kept) {
    return kept || fetch(request);
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (SESSION_PAGES.indexOf(url.pathname) !== -1) {
    event.waitUntil(caches.delete(PAGES_CACHE));
    return;
  }
  if (request.method !== "GET") return;
  if (PAGES.test(url.pathname)) {
    // Kept by path: /tech?done=accepted is the same list as /tech.
    event.respondWith(fromNetworkFirst(request, url.pathname));
  } else if (KEPT.indexOf(url.pathname + url.search) !== -1) {
    event.respondWith(fromCacheFirst(request));
  }
});

function acknowledge(id) {
  // Tells the server this phone showed the alert, so its SMS fallback is not sent. Failing
  // (offline, signed out) only lets the SMS go: nothing to retry here.
  if (!id) return Promise.resolve();
  return fetch("/api/technician/messages/" + encodeURIComponent(id) + "/ack", {
    method: "POST",
    credentials: "same-origin"
  }).catch(function () {});
}

self.addEventListener("push", function (event) {
  var alert = {};
  try { alert = event.data ? event.data.json() : {}; } catch (e) { alert = {}; }
  var options = { body: alert.body || "", icon: ICON, badge: ICON, data: { url: alert.url || "/tech" } };
  if (alert.tag) {
    options.tag = alert.tag;
    options.renotify = true; // a follow-up to the same day still rings
  }
  event.waitUntil(
    self.registration.showNotification(alert.title || "SM2", options)
      .then(function () { return acknowledge(alert.id); })
  );
});

function target(notification) {
  // The alert links to SM2_PUBLIC_URL; open that page of this portal, whatever host it names.
  var link = new URL((notification.data && notification.data.url) || "/tech", self.location.origin);
  var path = PAGES.test(link.pathname) ? link.pathname : "/tech";
  return new URL(path, self.location.origin).href;
}

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var href = target(event.notification);
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      var same = windows.filter(function (w) { return w.url === href; })[0];
      if (same) return same.focus();
      var portal = windows.filter(function (w) {
        return new URL(w.url).pathname.indexOf("/tech") === 0 && "navigate" in w;
      })[0];
      if (portal) {
        return portal.focus().then(function (w) { return (w || portal).navigate(href); });
      }
      return self.clients.openWindow(href);
    })
  );
});
