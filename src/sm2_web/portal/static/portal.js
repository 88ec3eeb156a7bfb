/* SM2 Dispatch portals: live updates over EventSource, and the small glue htmx leaves to us.
   No inline script or eval anywhere: the Content-Security-Policy allows only this file. */
(function () {
  "use strict";

  var body = document.body;
  var JOB_EVENTS = ["job.created", "job.updated", "invoice.synced", "invoice.failed", "invoice.updated"];
  // A text came or went, its delivery changed, or a number opted out or back in.
  var CONVERSATION_EVENTS = ["conversation.updated", "message.status", "optout.changed"];
  var FAILURES = ["FAILED", "UNDELIVERED", "OPTED_OUT"];
  var source = null;
  var lost = false;
  var delay = 1000;
  var live = { state: "connecting", text: null };
  var fresh = {};
  var versions = {}; // job id -> newest version announced by an event
  var asked = {}; // job id -> the version a catch-up refresh was already asked for
  // The newest event the page has taken into account: at first the newest one when the server
  // made the page, then each event's id. A stream opened from here replays what came after it,
  // so a change made while the page loads, or while the connection was down, is not lost.
  var since = body.getAttribute("data-events-since") || "";

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

  // On the technician's stream a job that was theirs names them in previous_tech_id only
  // (pages without a "removed" message, the admins', never treat an event so).
  function removedFromMe(data) {
    return Boolean(msg("removed") && data.previous_tech_id && data.previous_tech_id !== data.tech_id);
  }

  function goneNotice(data) {
    var back = document.createElement("a");
    back.className = "btn";
    back.href = body.getAttribute("data-home") || "/";
    back.textContent = msg("home");
    flash("info", msg("removed").replace("{code}", data.job_code || ""), back);
  }

  function seen(event) {
    if (event.lastEventId) since = event.lastEventId;
  }

  function streamUrl() {
    var url = body.getAttribute("data-events");
    if (!since) return url;
    return url + (url.indexOf("?") < 0 ? "?" : "&") + "last_event_id=" + encodeURIComponent(since);
  }

  function onJobEvent(event) {
    seen(event);
    var data = {};
    try { data = JSON.parse(event.data); } catch (e) { data = {}; }
    var removed = removedFromMe(data);
    if (data.job_id) {
      fresh[data.job_id] = true;
      versions[data.job_id] = Math.max(versions[data.job_id] || 0, Number(data.version) || 0);
      if (removed && document.querySelector('[data-job-id="' + data.job_id + '"]')) {
        // This page shows a job just taken from the technician: say so, rather than refresh
        // it into a "not found".
        goneNotice(data);
      } else {
        signal("sm2-job-" + data.job_id);
      }
    }
    if (data.job_code) {
      var text = event.type === "job.created" ? msg("new") : msg("changed");
      if (data.action === "assign" && msg("assigned")) text = msg("assigned");
      if (removed) text = msg("removed");
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
    var wanted = versions[id] || 0;
    // Once per version: a refresh that cannot show it (the job is no longer the caller's)
    // must not ask again after every swap.
    if (wanted > Number(shown.getAttribute("data-job-version")) && asked[id] !== wanted) {
      asked[id] = wanted;
      signal("sm2-job-" + id);
    }
  }

  function sessionExpired() {
    // The portal's home page redirects to its login page when the session is gone.
    return fetch(body.getAttribute("data-home") || "/", { redirect: "manual", credentials: "same-origin" })
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
    source = new EventSource(streamUrl());
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
      signal("sm2:conversations");
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
    source.addEventListener("message.unmatched", function (event) {
      seen(event);
      signal("sm2:inbox");
    });
    CONVERSATION_EVENTS.forEach(function (name) {
      source.addEventListener(name, function (event) {
        seen(event);
        signal("sm2:conversations");
      });
    });
    // An alert that did not reach its technician is listed on the board: show it now.
    source.addEventListener("message.status", function (event) {
      var data = {};
      try { data = JSON.parse(event.data); } catch (e) { data = {}; }
      if (data.technician_id && FAILURES.indexOf(data.status) >= 0) signal("sm2:jobs");
    });
    // The server could not replay what we missed (too old, or unknown): show the current
    // state by reloading, unless that would throw away what someone is typing.
    source.addEventListener("reset", function (event) {
      seen(event);
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

  // A conversation opens on its newest text; a live refresh keeps the newest in view only
  // for a reader who was there, not for one who scrolled up to older texts.
  var threadAtEnd = true;

  function threadBox() {
    return document.querySelector("[data-thread]");
  }

  function showNewestText() {
    var box = threadBox();
    if (box && threadAtEnd) box.scrollTop = box.scrollHeight;
  }

  document.addEventListener("htmx:beforeSwap", function () {
    var box = threadBox();
    threadAtEnd = !box || box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  });
  document.addEventListener("htmx:afterSettle", showNewestText);
  showNewestText();

  if (body.hasAttribute("data-events") && window.EventSource) {
    connect();
  }
})();
