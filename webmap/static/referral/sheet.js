/*
 * The referral sheet's Print button (a listener: the Content-Security-Policy runs no inline onclick).
 * Offline, the page is the service worker's copy, without results: the sheet is then built here
 * from the search on this device (webmap/static/offline/), with the server sheet's content.
 */
(function () {
  "use strict";

  function bindPrint() {
    document.querySelectorAll(".rf-sheet-print").forEach(function (button) {
      button.addEventListener("click", function () {
        window.print();
      });
    });
  }

  var SHEET_MATCHES = 3;  // as webmap/referral/routes.py

  function offline(article) {
    var lang = document.documentElement.lang || "fr";
    return window.WebmapOffline.ready().then(function (pkg) {
      if (!pkg) return;
      var S = window.WebmapSearch;
      var idx = S.index(pkg);
      var params = new URLSearchParams(window.location.search);
      var answer = S.run(idx, params, lang, SHEET_MATCHES);
      var M = pkg.messages[lang] || pkg.messages.fr;
      var node = window.WebmapRender.sheet(answer, {
        M: M, lang: lang, query: answer.error ? params.toString() : S.canonicalQuery(answer, idx.rules),
        pageUrl: article.dataset.pageUrl, colors: pkg.colors, pkg: pkg,
        banner: S.fill(M.banner, { date: window.WebmapRender.date(pkg.generated_at, lang) })
      });
      article.replaceWith(node);
      bindPrint();
    });
  }

  var article = document.querySelector(".rf-sheet");
  if (article && article.hasAttribute("data-empty") && window.location.search && window.WebmapOffline && window.WebmapSearch) {
    offline(article);
  } else {
    bindPrint();
  }
})();
