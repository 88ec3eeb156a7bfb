/* SM2 technician portal: the service worker (offline copy, pushed alerts) and the
   "Enable notifications" control. Live updates are portal.js's, as on the admin pages.
   No inline script or eval: the Content-Security-Policy allows only our own files. */
(function () {
  "use strict";

  var body = document.body;
  var worker = null; // the ServiceWorkerRegistration, once registered
  var subscribed = null; // this browser's PushSubscription, once the server has it

  function showOffline() {
    var note = document.getElementById("offline-note");
    if (note) note.hidden = navigator.onLine;
  }

  function csrfToken() {
    try {
      return JSON.parse(body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
    } catch (e) {
      return "";
    }
  }

  function api(method, payload) {
    return fetch("/api/technician/push-subscriptions", {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
      body: JSON.stringify(payload)
    }).then(function (response) {
      if (!response.ok) throw new Error("push subscription: HTTP " + response.status);
      return response;
    });
  }

  function keyBytes(base64url) {
    var text = base64url.replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(text + "===".slice((text.length + 3) % 4));
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function setUpPush() {
    var box = document.getElementById("push");
    if (!box || !worker || box.hasAttribute("data-ready")) return;
    box.setAttribute("data-ready", "");
    if (!("PushManager" in window) || !("Notification" in window)) return; // stays hidden
    var button = document.getElementById("push-enable");
    var state = document.getElementById("push-state");
    function say(name) { state.textContent = box.getAttribute("data-msg-" + name) || ""; }
    function turnedOn(subscription) {
      subscribed = subscription;
      button.hidden = true;
      say("on");
    }
    box.hidden = false;
    worker.pushManager.getSubscription().then(function (existing) {
      if (existing && Notification.permission === "granted") {
        // Told again on each visit: the phone may have been another technician's, or the
        // server dropped a subscription the push service had expired.
        return api("POST", existing.toJSON()).then(function () { turnedOn(existing); });
      }
      button.hidden = false;
    }).catch(function () { button.hidden = false; });

    button.addEventListener("click", function () {
      button.disabled = true;
      say("");
      Notification.requestPermission().then(function (permission) {
        if (permission !== "granted") {
          say("blocked");
          return null;
        }
        return worker.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: keyBytes(box.getAttribute("data-key"))
        }).then(function (subscription) {
          return api("POST", subscription.toJSON()).then(function () { turnedOn(subscription); });
        });
      }).catch(function () {
        say("failed");
      }).then(function () {
        button.disabled = false;
      });
    });
  }

  // Signing out stops the alerts on this phone: they would name jobs nobody signed in here
  // can open, and the SMS goes to the technician instead.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!subscribed || form.getAttribute("action") !== "/tech/logout") return;
    event.preventDefault();
    var leaving = subscribed;
    subscribed = null;
    var gone = false;
    var done = function () {
      if (gone) return;
      gone = true;
      form.submit();
    };
    window.setTimeout(done, 3000); // never keep someone from signing out
    api("DELETE", { endpoint: leaving.endpoint })
      .then(function () { return leaving.unsubscribe(); })
      .catch(function () {})
      .then(done);
  });

  window.addEventListener("online", showOffline);
  window.addEventListener("offline", showOffline);
  // Pages reached through htmx bring their own notice and control.
  document.addEventListener("htmx:afterSettle", function () {
    showOffline();
    setUpPush();
  });
  showOffline();

  var script = body.getAttribute("data-sw");
  if (script && "serviceWorker" in navigator) {
    navigator.serviceWorker.register(script, { scope: "/tech" }).then(function (registration) {
      worker = registration;
      setUpPush();
    }).catch(function () {});
  }
})();
