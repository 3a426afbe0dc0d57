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
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function (registration) {
      state.worker = "registered";
      // A new release waiting behind the old one is told to take over now.
      function promote(worker) { if (worker) worker.postMessage({ type: "skip-waiting" }); }
      promote(registration.waiting);
      registration.addEventListener("updatefound", function () {
        var worker = registration.installing;
        if (!worker) return;
        worker.addEventListener("statechange", function () { if (worker.state === "installed") promote(worker); });
      });
      registration.update().catch(function () { /* offline: the installed one stays */ });
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      state.worker = "ready";
      if (registration.active) registration.active.postMessage({ type: "lang", lang: lang });
    }).catch(function () { /* no worker: the pages still work online */ });
    // A new release is told apart by the release the controlling worker serves, remembered on the
    // device: whether the new worker took control before this script ran or after, the page says
    // so once. The first install of all takes control silently.
    var RELEASE_KEY = "webmap-release";
    navigator.serviceWorker.addEventListener("message", function (event) {
      var data = event.data || {};
      if (data.type !== "release" || !data.cache) return;
      var known = null;
      try { known = window.localStorage.getItem(RELEASE_KEY); } catch (e) { /* storage off */ }
      if (known && known !== data.cache) showUpdate();
      try { window.localStorage.setItem(RELEASE_KEY, data.cache); } catch (e) { /* storage off */ }
    });
    function askRelease() {
      if (navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage({ type: "release" });
    }
    askRelease();
    navigator.serviceWorker.addEventListener("controllerchange", function () {
      askRelease();
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
