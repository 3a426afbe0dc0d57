/*
 * On every page: the service worker (/sw.js) is registered, told the page's language (for the
 * pages it serves offline), and a message says when a new version of the app is installed.
 * Signing out first clears what the app stored on the device (WebmapOffline.clear()).
 *
 * window.webmapApp (read by the browser tests): {worker: "none" | "registered" | "ready", updated}
 */
(function () {
  "use strict";

  var state = { worker: "none", updated: false };
  window.webmapApp = state;
  var lang = document.documentElement.lang || "fr";

  function showUpdate() {
    var box = document.getElementById("wm-update");
    if (!box) return;
    state.updated = true;
    box.hidden = false;
    var button = box.querySelector("button");
    if (button) button.addEventListener("click", function () { window.location.reload(); });
  }

  if ("serviceWorker" in navigator && window.isSecureContext) {
    var hadController = Boolean(navigator.serviceWorker.controller);
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function (registration) {
      state.worker = "registered";
      registration.update().catch(function () { /* offline: the installed one stays */ });
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      state.worker = "ready";
      if (registration.active) registration.active.postMessage({ type: "lang", lang: lang });
    }).catch(function () { /* no worker: the pages still work online */ });
    navigator.serviceWorker.addEventListener("controllerchange", function () {
      // The first install takes control silently; a later one is a new release.
      if (hadController) showUpdate();
      hadController = true;
      if (navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage({ type: "lang", lang: lang });
    });
  }

  document.querySelectorAll(".wm-signout-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.cleared === "1" || !window.WebmapOffline) return;
      event.preventDefault();
      window.WebmapOffline.clear().then(function () {
        form.dataset.cleared = "1";
        form.submit();
      });
    });
  });
})();
