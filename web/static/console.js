// CloudTrust customer console: live status over server-sent events and
// live validation of trigger conditions. Progressive enhancement only: the
// page works without this file (reload for news, submit to validate).
"use strict";

(function () {
  var root = document.getElementById("console-view");
  if (!root) {
    return;
  }

  function csrfToken() {
    var field = document.querySelector('input[name="csrf"]');
    return field ? field.value : "";
  }

  function setText(el, text) {
    if (el) {
      el.textContent = text;
    }
  }

  var statusClasses = { "true": "status-ok", "false": "status-bad", "error": "status-error" };

  function badge(status, label) {
    var span = document.createElement("span");
    span.className = "badge " + (statusClasses[status] || "status-none");
    span.setAttribute("data-status", status);
    span.textContent = label;
    return span;
  }

  function fmtTime(iso) {
    if (!iso) {
      return "—";
    }
    var d = new Date(iso);
    if (isNaN(d.getTime())) {
      return iso;
    }
    return d.toISOString().slice(0, 16).replace("T", " ") + " UTC";
  }

  // summarize abbreviates a result value as the server does: the first
  // row's columns in key order, and how many rows follow.
  function summarize(value) {
    if (!Array.isArray(value)) {
      return "";
    }
    if (value.length === 0) {
      return "(no rows)";
    }
    var row = value[0] || {};
    var parts = Object.keys(row).sort().map(function (k) {
      var v = row[k];
      return k + "=" + (typeof v === "string" ? v : JSON.stringify(v));
    });
    var out = parts.join(", ");
    if (out.length > 80) {
      out = out.slice(0, 79) + "…";
    }
    if (value.length > 1) {
      out += " (+" + (value.length - 1) + " rows)";
    }
    return out;
  }

  // Status refresh: after an alert, reload the view's statuses.
  var statusURL = root.getAttribute("data-status");
  var refreshing = false;
  function refreshStatus() {
    if (!statusURL || refreshing) {
      return;
    }
    refreshing = true;
    fetch(statusURL, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        refreshing = false;
        if (!s) {
          return;
        }
        s.measurements.forEach(function (m) {
          var row = root.querySelector('tr[data-measurement="' + CSS.escape(m.id) + '"]');
          if (!row) {
            return;
          }
          var cell = row.querySelector(".m-status");
          if (cell) {
            cell.replaceChildren(badge(m.status, m.label));
          }
          setText(row.querySelector(".m-value"), m.value);
          setText(row.querySelector(".m-updated"), fmtTime(m.updated));
        });
        s.triggers.forEach(function (t) {
          var row = root.querySelector('tr[data-trigger="' + CSS.escape(t.id) + '"]');
          var cell = row && row.querySelector(".t-status");
          if (cell) {
            var cls = t.label === "firing" ? "false" : (t.label === "error" ? "error" : "");
            cell.replaceChildren(badge(cls, t.label));
            cell.firstChild.setAttribute("data-status", t.status);
          }
        });
      })
      .catch(function () { refreshing = false; });
  }

  function triggerName(link) {
    var id = String(link || "").split("/").pop();
    var row = id && root.querySelector('tr[data-trigger="' + CSS.escape(id) + '"]');
    return row ? row.getAttribute("data-name") : id;
  }

  // addAlert puts a log entry (the CTP JSON of GET /logs/{id}) at the top
  // of the alert feed.
  function addAlert(entry) {
    var list = document.getElementById("alerts");
    if (!list) {
      return;
    }
    var empty = list.querySelector(".empty");
    if (empty) {
      empty.remove();
    }
    var li = document.createElement("li");
    li.className = "alert-item alert-new";
    var time = document.createElement("time");
    time.setAttribute("datetime", entry.creationTime || "");
    time.textContent = fmtTime(entry.creationTime);
    var name = document.createElement("strong");
    name.textContent = triggerName(entry.trigger);
    var value = document.createElement("span");
    value.className = "muted";
    value.textContent = entry.result ? summarize(entry.result.value) : "error: " + (entry.error || "");
    li.append(time, " ", name, " ", value);
    (entry.tags || []).forEach(function (t) {
      var tag = document.createElement("span");
      tag.className = "badge";
      tag.textContent = t;
      li.append(" ", tag);
    });
    list.prepend(li);
    while (list.children.length > 50) {
      list.lastElementChild.remove();
    }
  }

  var eventsURL = root.getAttribute("data-events");
  var state = document.getElementById("live-state");
  if (eventsURL && window.EventSource) {
    var es = new EventSource(eventsURL);
    es.addEventListener("open", function () {
      setText(state, "Live updates: connected.");
      root.setAttribute("data-live", "connected");
    });
    es.addEventListener("error", function () {
      setText(state, "Live updates: reconnecting…");
      root.setAttribute("data-live", "reconnecting");
    });
    var onAlert = function (ev) {
      try {
        addAlert(JSON.parse(ev.data));
      } catch (e) {
        // A malformed event is ignored; the status refresh still runs.
      }
      refreshStatus();
    };
    es.addEventListener("ctp.alert", onAlert);
    es.addEventListener("ctp.alert.error", onAlert);
    es.addEventListener("dropped", refreshStatus);
  }

  // Live validation of the trigger editor's condition against the chosen
  // measurement's latest result.
  var checkURL = root.getAttribute("data-check");
  var cond = document.getElementById("t-condition");
  var meas = document.getElementById("t-measurement");
  var out = document.getElementById("t-check");
  var timer = null;
  var seq = 0;
  function check() {
    if (!checkURL || !cond || !out) {
      return;
    }
    if (cond.value.trim() === "") {
      setText(out, "");
      out.className = "check";
      return;
    }
    var mine = ++seq;
    var body = new URLSearchParams();
    body.set("condition", cond.value);
    body.set("measurement", meas ? meas.value : "");
    fetch(checkURL, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRF-Token": csrfToken(), "Accept": "application/json" }
    })
      .then(function (r) {
        if (!r.ok) {
          throw new Error("status " + r.status);
        }
        return r.json();
      })
      .then(function (res) {
        if (mine !== seq) {
          return; // a newer check is on its way
        }
        var text;
        if (res.status === "true" || res.status === "false") {
          text = "This condition is currently: " + res.status + (res.message ? " (" + res.message + ")" : "");
        } else if (res.status === "error") {
          text = "This condition is currently: error: " + res.message;
        } else {
          text = res.message;
        }
        out.className = "check check-" + res.status;
        out.setAttribute("data-status", res.status);
        setText(out, text);
      })
      .catch(function (e) {
        if (mine === seq) {
          out.className = "check check-unavailable";
          setText(out, "The condition could not be checked (" + e.message + ").");
        }
      });
  }
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  }
  if (cond) {
    cond.addEventListener("input", schedule);
    if (cond.value.trim() !== "") {
      schedule();
    }
  }
  if (meas) {
    meas.addEventListener("change", schedule);
  }
})();

// The customer console's home page: one stream of all listed views'
// alerts; on each, the view's card reloads its counts.
(function () {
  var home = document.getElementById("console-home");
  var url = home && home.getAttribute("data-events");
  if (!url || !window.EventSource) {
    return;
  }
  var state = document.getElementById("live-state");

  function badge(cls, text) {
    var span = document.createElement("span");
    span.className = "badge " + cls;
    span.textContent = text;
    return span;
  }

  function update(viewID) {
    var card = home.querySelector('li[data-view="' + CSS.escape(viewID) + '"]');
    if (!card) {
      return;
    }
    fetch("/console/views/" + encodeURIComponent(viewID) + "/status?page=1", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) {
          return;
        }
        var counts = card.querySelector(".v-counts");
        if (counts) {
          var wrap = document.createElement("span");
          wrap.className = "counts";
          [["notMet", "status-bad", " not met"], ["error", "status-error", " error"], ["met", "status-ok", " met"], ["none", "status-none", " without objective"]]
            .forEach(function (c) {
              if (s.counts[c[0]] > 0) {
                wrap.append(badge(c[1], s.counts[c[0]] + c[2]), " ");
              }
            });
          counts.replaceChildren(wrap);
        }
        var firing = card.querySelector(".v-firing");
        if (firing) {
          if (s.firing > 0) {
            firing.replaceChildren(badge("status-bad", s.firing + (s.firing > 1 ? " alerts" : " alert") + " firing"));
          } else {
            var quiet = document.createElement("span");
            quiet.className = "muted";
            quiet.textContent = "No alert firing.";
            firing.replaceChildren(quiet);
          }
        }
        card.className = "card view-card status-border-" + ({ "true": "status-ok", "false": "status-bad", "error": "status-error" }[s.worst] || "status-none");
        card.setAttribute("data-updated", String(Date.now()));
      })
      .catch(function () {});
  }

  var es = new EventSource(url);
  var lost = false; // the stream does not resume: alerts sent while it was down are missed
  es.addEventListener("open", function () {
    if (state) {
      state.textContent = "Live updates: connected.";
    }
    home.setAttribute("data-live", "connected");
    if (lost) {
      lost = false;
      home.querySelectorAll("li[data-view]").forEach(function (card) {
        if (card.querySelector(".v-counts")) { // a view the stream covers
          update(card.getAttribute("data-view"));
        }
      });
    }
  });
  es.addEventListener("error", function () {
    lost = true;
    if (state) {
      state.textContent = "Live updates: reconnecting…";
    }
    home.setAttribute("data-live", "reconnecting");
  });
  var onAlert = function (ev) {
    try {
      var entry = JSON.parse(ev.data);
      update(String(entry.scope || "").split("/").pop());
    } catch (e) {
      // ignored: a malformed event
    }
  };
  es.addEventListener("ctp.alert", onAlert);
  es.addEventListener("ctp.alert.error", onAlert);
})();
