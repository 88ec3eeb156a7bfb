/* SM2 Dispatch: the Day view's drag and drop, its "Schedule…" forms sent in place, and its live
   refresh. The page works without this file (forms post and redirect back); no inline script or
   eval anywhere, as the Content-Security-Policy wants.

   A drop or a form posts to /jobs/{id}/schedule, asking for JSON: a technician, a day and a time
   on the company's clock (the server makes them instants in its zone). A refused drop snaps the
   job back and says why; a refusal by the Schedule rule offers "Book anyway". */
(function () {
  "use strict";

  var QUARTER = 15;
  var body = document.body;
  var drag = null; // the job being dragged: {el, grab}
  var timer = null;
  var loading = false;
  var again = false;

  function board() {
    return document.getElementById("day-board");
  }

  function msg(name) {
    var b = board();
    return (b && b.getAttribute("data-msg-" + name)) || "";
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function clock(minutes) {
    return pad(Math.floor(minutes / 60)) + ":" + pad(minutes % 60);
  }

  // --- the notice -----------------------------------------------------------------------------

  function paragraph(className, text) {
    var p = document.createElement("p");
    p.className = className;
    p.textContent = text;
    return p;
  }

  function notify(kind, title, details, action) {
    var region = document.getElementById("day-notice");
    if (!region) return;
    var box = document.createElement("div");
    box.className = "flash flash--" + kind;
    box.setAttribute("role", kind === "error" ? "alert" : "status");
    box.appendChild(paragraph("flash__title", title));
    (details || []).forEach(function (text) {
      if (text) box.appendChild(paragraph("flash__detail", text));
    });
    if (action) box.appendChild(action);
    region.replaceChildren(box);
  }

  function addWarnings(answer) {
    var region = document.getElementById("day-notice");
    if (!region || !answer.warnings || !answer.warnings.length) return;
    var box = document.createElement("div");
    box.className = "flash flash--warning";
    box.setAttribute("role", "status");
    box.appendChild(paragraph("flash__title", answer.warning_title || ""));
    answer.warnings.forEach(function (text) { box.appendChild(paragraph("flash__detail", text)); });
    region.appendChild(box);
  }

  // --- sending ------------------------------------------------------------------------------

  function csrf() {
    var b = board();
    return (b && b.getAttribute("data-csrf")) || "";
  }

  function send(jobId, fields) {
    var data = new URLSearchParams();
    Object.keys(fields).forEach(function (name) {
      if (fields[name] !== null && fields[name] !== undefined && fields[name] !== "") {
        data.append(name, fields[name]);
      }
    });
    return fetch("/jobs/" + jobId + "/schedule", {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf() }
    }).then(function (response) {
      return response.json().catch(function () {
        // Not our answer (an expired session's login page, a refused form): say it failed.
        return { ok: false, status: response.status, title: msg("failed") };
      });
    }, function () {
      return { ok: false, status: 0, title: msg("offline") };
    });
  }

  // Sends a scheduling; ``undo`` puts the page back as it was when it is refused.
  function schedule(jobId, fields, undo, done) {
    return send(jobId, fields).then(function (answer) {
      if (answer.ok) {
        var el = document.getElementById("day-job-" + jobId);
        if (el && answer.job) el.setAttribute("data-version", answer.job.version);
        notify("ok", answer.notice);
        addWarnings(answer);
        refresh();
        if (done) done(answer);
        return answer;
      }
      if (undo) undo();
      var action = null;
      if (answer.rule === "Schedule" && !fields.allow_overlap) {
        action = document.createElement("button");
        action.type = "button";
        action.className = "btn";
        action.textContent = msg("book");
        action.addEventListener("click", function () {
          action.disabled = true;
          var anyway = Object.assign({}, fields, { allow_overlap: "1" });
          schedule(jobId, anyway, null, done);
        });
      }
      notify("error", answer.title || msg("failed"), [answer.detail], action);
      if (answer.status === 409 && !answer.rule) refresh(); // someone changed the job meanwhile
      return answer;
    });
  }

  // --- drag and drop --------------------------------------------------------------------------

  function quarterWidth(track) {
    return track.getBoundingClientRect().width / Number(track.getAttribute("data-quarters"));
  }

  function clearOver() {
    Array.prototype.forEach.call(document.querySelectorAll(".track.is-over"), function (t) {
      t.classList.remove("is-over");
    });
  }

  document.addEventListener("dragstart", function (event) {
    var el = event.target.closest ? event.target.closest("[data-job-id][draggable=true]") : null;
    var b = board();
    if (!el || !b || !b.contains(el)) return;
    var grab = 0;
    var track = el.closest(".track");
    if (track) {
      // Where in the block it was taken: the drop keeps that part under the pointer.
      var offset = event.clientX - el.getBoundingClientRect().left;
      grab = Math.max(0, Math.floor(offset / quarterWidth(track)));
    }
    drag = { el: el, grab: grab };
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", el.getAttribute("data-job-code") || "");
    el.classList.add("is-dragging");
  });

  document.addEventListener("dragend", function () {
    if (drag) drag.el.classList.remove("is-dragging");
    drag = null;
    clearOver();
    if (again) refresh();
  });

  function dropTrack(event) {
    var track = event.target.closest ? event.target.closest(".track[data-tech-id]") : null;
    return drag && track ? track : null;
  }

  document.addEventListener("dragover", function (event) {
    var track = dropTrack(event);
    if (!track) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!track.classList.contains("is-over")) {
      clearOver();
      track.classList.add("is-over");
    }
  });

  document.addEventListener("drop", function (event) {
    var track = dropTrack(event);
    if (!track) return;
    event.preventDefault();
    clearOver();
    var el = drag.el;
    var quarters = Number(track.getAttribute("data-quarters"));
    var rect = track.getBoundingClientRect();
    var q = Math.floor((event.clientX - rect.left) / quarterWidth(track)) - drag.grab;
    q = Math.max(0, Math.min(quarters - 1, q));
    var start = Number(track.getAttribute("data-first-hour")) * 60 + q * QUARTER;
    var kept = el.getAttribute("data-minutes"); // a window with an end keeps its length
    var length = Number(kept || el.getAttribute("data-duration") || 60);
    var span = Math.max(1, Math.ceil(length / QUARTER));

    // Shown where it was dropped at once; put back if the server refuses.
    el.classList.remove("is-dragging");
    var origin = { parent: el.parentNode, next: el.nextSibling, className: el.className };
    el.className = "block block--moving gs-" + (q + 1) + " ge-" + Math.min(q + 1 + span, quarters + 1);
    el.classList.add("is-saving");
    track.appendChild(el);
    var code = el.getAttribute("data-job-code") || "";
    notify("info", msg("saving").replace("{code}", code));

    var fields = {
      tech_id: track.getAttribute("data-tech-id"),
      date: board().getAttribute("data-date"),
      start: clock(start),
      minutes: kept || "",
      version: el.getAttribute("data-version")
    };
    schedule(el.getAttribute("data-job-id"), fields, function () {
      el.className = origin.className;
      origin.parent.insertBefore(el, origin.next);
    });
  });

  // --- the "Schedule…" forms ------------------------------------------------------------------

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-schedule-form]")) return;
    event.preventDefault();
    var fields = {};
    new FormData(form).forEach(function (value, name) { fields[name] = value; });
    delete fields._csrf;
    var jobId = form.getAttribute("data-job-id");
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    schedule(jobId, fields, function () {
      if (button) button.disabled = false;
    }, function () {
      var details = form.closest("details");
      if (!details) return;
      details.open = false;
      details.querySelector("summary").focus(); // and it keeps it once the day is refreshed
    });
  });

  // A job whose form is open is not dragged: its fields take the pointer.
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (!details.classList || !details.classList.contains("schedule")) return;
    var job = details.closest("[data-job-id]");
    if (job && job.hasAttribute("draggable")) {
      job.setAttribute("draggable", details.open ? "false" : "true");
    }
  }, true);

  // --- live: another dispatcher's change moves the blocks -----------------------------------------

  var FOCUSABLE = "a, button, input, select, textarea, summary";

  // Where the focus is, as the nearest element with an id and the place among its controls:
  // found again in the fresh board, even when the job moved to another row.
  function focusPlace(root) {
    var active = document.activeElement;
    if (!active || active === root || !root.contains(active)) return null;
    if (active.id) return { id: active.id, index: -1 };
    var owner = active.parentElement && active.parentElement.closest("[id]");
    if (!owner || !root.contains(owner)) return null;
    return { id: owner.id, index: Array.prototype.indexOf.call(owner.querySelectorAll(FOCUSABLE), active) };
  }

  function refocus(place) {
    var owner = place && document.getElementById(place.id);
    if (!owner) return;
    var target = place.index < 0 ? owner : owner.querySelectorAll(FOCUSABLE)[place.index];
    if (target) target.focus({ preventScroll: true });
  }

  function fieldsOf(details) {
    var values = {};
    Array.prototype.forEach.call(details.querySelectorAll("input, select, textarea"), function (f) {
      if (f.type !== "hidden") values[f.name] = f.value;
    });
    return values;
  }

  function swap(html) {
    var current = board();
    if (!current) return;
    var holder = document.createElement("template");
    holder.innerHTML = html;
    var fresh = holder.content.getElementById("day-board");
    if (!fresh) return;
    // What the dispatcher has open or is typing in stays as it was.
    var open = Array.prototype.map.call(current.querySelectorAll("details[open]"), function (d) {
      return { id: d.id, values: fieldsOf(d) };
    });
    var focused = focusPlace(current);
    current.replaceWith(fresh);
    open.forEach(function (was) {
      var details = document.getElementById(was.id);
      if (!details) return;
      details.open = true;
      Object.keys(was.values).forEach(function (name) {
        var field = details.querySelector("[name='" + name + "']");
        if (field) field.value = was.values[name];
      });
    });
    refocus(focused);
  }

  function refresh() {
    var b = board();
    if (!b) return;
    if (loading || drag) {
      again = true;
      return;
    }
    loading = true;
    again = false;
    var url = "/day?date=" + encodeURIComponent(b.getAttribute("data-date")) + "&fragment=1";
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html && !drag) swap(html); else if (drag) again = true; })
      .catch(function () { /* the live status says the connection is lost */ })
      .then(function () {
        loading = false;
        if (again && !drag) refresh();
      });
  }

  // portal.js signals job events (and a reconnection) with "sm2:jobs" on the body.
  body.addEventListener("sm2:jobs", function () {
    if (!board()) return;
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 250);
  });
})();
