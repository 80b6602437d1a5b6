// The panel's few behaviours that need a script: delete confirmations, copy buttons, logging out
// with a POST, and reporting failed htmx requests. No inline scripts (see the CSP in rendering.py).
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }
  window.panelCsrfToken = csrfToken;

  // A page that shows a secret once answers a POST: give it the address of the plain page, so a
  // reload fetches that (without the secret) instead of posting again and making another one.
  document.addEventListener("DOMContentLoaded", function () {
    var replaced = document.querySelector("[data-replace-url]");
    if (replaced && window.history.replaceState) {
      window.history.replaceState(null, "", replaced.getAttribute("data-replace-url"));
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  function announce(button, text) {
    var previous = button.textContent;
    button.textContent = text;
    setTimeout(function () { button.textContent = previous; }, 1500);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (button) {
      var source = document.querySelector(button.getAttribute("data-copy"));
      var text = source ? source.textContent.trim() : "";
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { announce(button, "Copied"); },
                                                 function () { announce(button, "Select and copy it"); });
      } else {
        var range = document.createRange();
        range.selectNodeContents(source);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        announce(button, document.execCommand("copy") ? "Copied" : "Press Ctrl+C");
      }
      return;
    }
    var logout = event.target.closest("[data-logout]");
    if (logout) {
      var form = document.getElementById("logout-form");
      if (form) {
        event.preventDefault();
        form.submit();
      }
    }
  });

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    var message = "The server answered " + status + ": reload the page and try again.";
    try {
      var body = JSON.parse(event.detail.xhr.responseText);
      if (typeof body.detail === "string") { message = body.detail; }
    } catch (ignored) { /* an HTML error page: keep the generic message */ }
    var box = document.getElementById("htmx-error");
    if (!box) {
      box = document.createElement("p");
      box.id = "htmx-error";
      box.className = "form-error";
      box.setAttribute("role", "alert");
      document.getElementById("main").prepend(box);
    }
    box.textContent = message;
  });
})();
