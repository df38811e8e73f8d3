// CloudTrust web UI: progressive enhancement only. Every page works
// without this file.
"use strict";

// Forms with data-confirm ask before submitting (e.g. revoking a token).
document.addEventListener("submit", function (e) {
  var form = e.target;
  var msg = form.getAttribute && form.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) {
    e.preventDefault();
  }
});

// ctFetch posts with the page's CSRF token in the X-CSRF-Token header, for
// scripts of other pages (inline validation, autosave).
window.ctFetch = function (url, options) {
  options = options || {};
  var field = document.querySelector('input[name="csrf"]');
  options.headers = options.headers || {};
  if (field) {
    options.headers["X-CSRF-Token"] = field.value;
  }
  options.credentials = "same-origin";
  return fetch(url, options);
};
