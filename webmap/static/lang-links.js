/*
 * The header's FR/EN links keep what the page shows: the page's query (a referral search, the
 * planning period) and its hash (a map's view and layers, static/map-state.js), with only
 * `lang` changed. Without JavaScript the links are plain `?lang=xx`.
 */
(function () {
  "use strict";

  function target(code) {
    var url = new URL(window.location.href);
    url.searchParams.set("lang", code);
    return url.pathname + url.search + url.hash;
  }

  function refresh() {
    document.querySelectorAll(".wm-lang a[data-lang]").forEach(function (link) {
      link.setAttribute("href", target(link.dataset.lang));
    });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".wm-lang a[data-lang]");
    if (link) link.setAttribute("href", target(link.dataset.lang));
  }, true);
  window.addEventListener("hashchange", refresh);
  document.addEventListener("webmap-address-changed", refresh);
  refresh();
})();
