/* SM2 Dispatch portals: live updates over EventSource, and the small glue htmx leaves to us.
   No inline script or eval anywhere: the Content-Security-Policy allows only this file. */
(function () {
  "use strict";

  var body = document.body;
  var JOB_EVENTS = ["job.created", "job.updated", "invoice.synced", "invoice.failed"];
  var source = null;
  var lost = false;
  var delay = 1000;
  var live = { state: "connecting", text: null };
  var fresh = {};
  var versions = {}; // job id -> newest version announced by an event

  function msg(name) {
    return body.getAttribute("data-msg-" + name) || "";
  }

  function signal(name) {
    // Elements that refresh themselves listen with hx-trigger="<name> from:body".
    body.dispatchEvent(new CustomEvent(name, { bubbles: true }));
  }

  function showLive(state, text) {
    live = { state: state, text: text };
    var el = document.getElementById("live-status");
    if (!el || text === null) return;
    el.setAttribute("data-state", state);
    el.textContent = text;
  }

  function announce(text) {
    var el = document.getElementById("live-news");
    if (el) el.textContent = text;
  }

  function flash(kind, title, action) {
    var region = document.getElementById("flash");
    if (!region) return;
    var box = document.createElement("div");
    box.className = "flash flash--" + kind;
    box.setAttribute("role", kind === "error" ? "alert" : "status");
    var p = document.createElement("p");
    p.className = "flash__title";
    p.textContent = title;
    box.appendChild(p);
    if (action) box.appendChild(action);
    region.replaceChildren(box);
  }

  function onJobEvent(event) {
    var data = {};
    try { data = JSON.parse(event.data); } catch (e) { data = {}; }
    if (data.job_id) {
      fresh[data.job_id] = true;
      versions[data.job_id] = Math.max(versions[data.job_id] || 0, Number(data.version) || 0);
      signal("sm2-job-" + data.job_id);
    }
    if (data.job_code) {
      var text = event.type === "job.created" ? msg("new") : msg("changed");
      announce(text.replace("{code}", data.job_code));
    }
    signal("sm2:jobs");
  }

  // An event can arrive while the page that shows its job is being swapped in, before htmx
  // listens for it: after each swap, a job page older than the last event asks again.
  function catchUp() {
    var shown = document.querySelector("[data-job-version]");
    if (!shown) return;
    var id = shown.getAttribute("data-job-id");
    if ((versions[id] || 0) > Number(shown.getAttribute("data-job-version"))) {
      signal("sm2-job-" + id);
    }
  }

  function sessionExpired() {
    // The board redirects to the login page when the session is gone.
    return fetch("/", { redirect: "manual", credentials: "same-origin" })
      .then(function (r) { return r.type === "opaqueredirect" || r.status === 401; })
      .catch(function () { return false; });
  }

  function retry() {
    sessionExpired().then(function (expired) {
      if (expired) {
        showLive("expired", msg("expired"));
        return;
      }
      window.setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    });
  }

  function connect() {
    source = new EventSource(body.getAttribute("data-events"));
    source.onopen = function () {
      delay = 1000;
      if (!lost) {
        showLive("live", msg("live"));
        return;
      }
      lost = false;
      showLive("back", msg("back"));
      // Whatever happened while we were away: ask the page again.
      signal("sm2:jobs");
      signal("sm2:inbox");
      window.setTimeout(function () { if (!lost) showLive("live", msg("live")); }, 5000);
    };
    source.onerror = function () {
      lost = true;
      showLive("lost", msg("lost"));
      // CONNECTING: the browser retries by itself. CLOSED: it gave up (an error status).
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        retry();
      }
    };
    JOB_EVENTS.forEach(function (name) { source.addEventListener(name, onJobEvent); });
    source.addEventListener("message.unmatched", function () { signal("sm2:inbox"); });
    // The server could not replay what we missed (too old, or unknown): show the current
    // state by reloading, unless that would throw away what someone is typing.
    source.addEventListener("reset", function () {
      if (editing(body)) {
        offerReload();
      } else {
        window.location.reload();
      }
    });
  }

  function editing(elt) {
    var active = document.activeElement;
    if (active && elt.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) {
      return true;
    }
    return Array.prototype.some.call(elt.querySelectorAll("details[open]"), function (d) {
      return d.querySelector("textarea, select, input:not([type=hidden])") !== null;
    });
  }

  function offerReload() {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn";
    button.textContent = msg("reload");
    button.addEventListener("click", function () { window.location.reload(); });
    flash("info", msg("stale"), button);
  }

  // A live refresh never throws away what someone is typing.
  document.addEventListener("htmx:confirm", function (event) {
    var trigger = event.detail.triggeringEvent;
    if (!trigger || trigger.type.indexOf("sm2") !== 0) return;
    if (editing(event.detail.elt)) {
      event.preventDefault();
      offerReload();
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    showLive(live.state, live.text);
    catchUp();
    Object.keys(fresh).forEach(function (id) {
      var row = document.getElementById("job-" + id);
      if (!row) return;
      row.classList.remove("is-fresh");
      void row.offsetWidth; // restart the highlight animation
      row.classList.add("is-fresh");
      delete fresh[id];
    });
    if (event.detail.boosted && event.detail.target === body) {
      var main = document.getElementById("main");
      if (main) main.focus({ preventScroll: true });
    }
  });

  document.addEventListener("htmx:sendError", function () {
    flash("error", msg("offline"));
  });

  if (body.hasAttribute("data-events") && window.EventSource) {
    connect();
  }
})();
