// Questionnaire editor (page_assess_editor.go): autosave of a changed
// question and inline validation messages. Progressive enhancement only:
// without this file every domain is saved with its Save button and the
// messages appear after the POST.
"use strict";
(function () {
  var form = document.querySelector("form.qform[data-autosave]");
  if (!form || !window.fetch || !window.ctFetch) {
    return;
  }
  var url = form.getAttribute("data-autosave");
  var status = document.getElementById("autosave-status");
  var timers = {};
  var queue = Promise.resolve();

  // say shows the autosave state; data-state is "saving", "saved" or
  // "error" (tests wait for it).
  function say(text, state) {
    if (status) {
      status.textContent = text;
      status.setAttribute("data-state", state);
    }
  }

  // fieldOf returns the element messages of field f of question fs attach
  // to: the last input carrying data-f=f.
  function fieldsOf(fs, f) {
    return fs.querySelectorAll('[data-f="' + f + '"]');
  }

  // show replaces the messages of each field of question fieldset fs.
  function show(fs, problems) {
    var n = fs.id.replace(/^q-/, "");
    ["answer", "ownership", "description", "customerResponsibilities", "evidence"].forEach(function (f) {
      var id = "m-" + n + "-" + f;
      var old = document.getElementById(id);
      var list = problems[f] || [];
      var inputs = fieldsOf(fs, f);
      if (old) {
        old.parentNode.removeChild(old);
      }
      inputs.forEach(function (el) {
        if (list.length) {
          el.setAttribute("aria-invalid", "true");
          el.setAttribute("aria-describedby", id);
        } else {
          el.removeAttribute("aria-invalid");
          el.removeAttribute("aria-describedby");
        }
      });
      if (!list.length || !inputs.length) {
        return;
      }
      var ul = document.createElement("ul");
      ul.className = "fmsg";
      ul.id = id;
      list.forEach(function (p) {
        var li = document.createElement("li");
        li.className = "sev-" + p.severity;
        li.textContent = p.message;
        ul.appendChild(li);
      });
      var last = inputs[inputs.length - 1];
      var anchor = f === "evidence" ? last.closest(".qrow") || last : last;
      anchor.parentNode.insertBefore(ul, anchor.nextSibling);
    });
  }

  function progress(p) {
    if (p.domain) {
      var i = p.domain.index;
      var bar = document.querySelector('[data-dp="' + i + '"]');
      var count = document.querySelector('[data-dc="' + i + '"]');
      var errs = document.querySelector('[data-de="' + i + '"]');
      if (bar) { bar.value = p.domain.answered; }
      if (count) { count.textContent = p.domain.answered + "/" + p.domain.total; }
      if (!errs && p.domain.errors > 0 && count) {
        errs = document.createElement("span");
        errs.className = "badge status-failing";
        errs.setAttribute("data-de", String(i));
        count.parentNode.appendChild(errs);
      }
      if (errs) {
        errs.textContent = p.domain.errors + (p.domain.errors === 1 ? " error" : " errors");
        errs.hidden = p.domain.errors === 0;
      }
    }
    if (p.overall) {
      var ob = document.getElementById("overall-progress");
      var oc = document.getElementById("overall-count");
      if (ob) { ob.value = p.overall.answered; }
      if (oc) { oc.textContent = p.overall.answered + "/" + p.overall.total; }
    }
  }

  // save posts question fieldset fs; requests run one after another.
  function save(fs) {
    var body = new URLSearchParams();
    body.append("q", fs.getAttribute("data-q"));
    fs.querySelectorAll("select[name], textarea[name], input[name]:not([type=hidden])").forEach(function (el) {
      if (el.multiple) {
        Array.prototype.forEach.call(el.selectedOptions, function (o) { body.append(el.name, o.value); });
      } else {
        body.append(el.name, el.value);
      }
    });
    queue = queue.then(function () {
      say("Saving…", "saving");
      return window.ctFetch(url, { method: "POST", body: body, headers: { "Accept": "application/json" } })
        .then(function (res) { return res.json(); })
        .then(function (out) {
          if (!out.saved) {
            say("Not saved: " + (out.error || "error"), "error");
            return;
          }
          show(fs, out.problems || {});
          progress(out);
          say("Saved", "saved");
        })
        .catch(function () { say("Not saved: the server cannot be reached; use the Save button.", "error"); });
    });
  }

  function changed(e) {
    var fs = e.target.closest && e.target.closest("fieldset.q");
    if (!fs) {
      return;
    }
    var q = fs.getAttribute("data-q");
    clearTimeout(timers[q]);
    timers[q] = setTimeout(function () { save(fs); }, e.type === "change" ? 150 : 700);
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);

  // Opening a collapsed domain loads its questions.
  document.querySelectorAll("details.domain").forEach(function (d) {
    d.addEventListener("toggle", function () {
      var link = d.querySelector("a[data-open-domain]");
      if (d.open && link) {
        window.location.href = link.href;
      }
    });
  });
})();
