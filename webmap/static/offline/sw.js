/*
 * webmap's service worker (served at /sw.js, after the `self.WEBMAP_SHELL = {...}` line the
 * server writes first: the cache's name and the list of the shell's URLs).
 *
 * - install: the shell — the pages /referral and / in French and English, fetched anonymously
 *   (credentials: "omit", so never a signed-in page), and every script, style, font and image
 *   they load — goes into a cache named after the assets' content fingerprints;
 * - activate: every older webmap cache is deleted (a new release replaces the old one cleanly);
 * - navigations to the shell's pages: network first; after TIMEOUT_MS without an answer, or
 *   offline, the cached page (its language: ?lang=, else the last one a page reported);
 * - the app's static files (/static/…, fingerprinted URLs): cache first, stored as they come;
 * - anything else (the API, signed-in pages, forms) is not touched: never cached here.
 */
/* global self, caches, fetch, URL, Response */
(function () {
  "use strict";

  var SHELL = self.WEBMAP_SHELL;
  var CACHE = SHELL.cache;
  var PREFIX = "webmap-shell-";
  var TIMEOUT_MS = 4000;
  var LANG_KEY = "/__webmap/lang";

  // Same-origin URLs a page or a stylesheet refers to (scripts, styles, icons, fonts, images).
  var HTML_REFS = /<(?:script|link|img)\b[^>]*?\s(?:src|href)="([^"]+)"/g;
  var CSS_REFS = /url\(\s*['"]?([^'")]+)['"]?\s*\)/g;

  function refs(text, base, pattern) {
    var found = [];
    var match;
    pattern.lastIndex = 0;
    while ((match = pattern.exec(text)) !== null) {
      var raw = match[1].replace(/&amp;/g, "&");
      if (/^(data|mailto|tel|geo):/.test(raw)) continue;
      var url = new URL(raw, base);
      if (url.origin === self.location.origin && url.pathname.indexOf("/api/") !== 0) {
        url.hash = "";
        found.push(url.href);
      }
    }
    return found;
  }

  function store(cache, url, seen) {
    if (seen[url]) return Promise.resolve();
    seen[url] = true;
    return fetch(url, { credentials: "omit", cache: "no-store" }).then(function (response) {
      if (!response.ok) throw new Error(url + ": HTTP " + response.status);
      var type = response.headers.get("Content-Type") || "";
      var kept = cache.put(url, response.clone());
      if (type.indexOf("text/html") === 0 || type.indexOf("text/css") === 0) {
        return Promise.all([kept, response.text().then(function (text) {
          var found = refs(text, url, type.indexOf("text/css") === 0 ? CSS_REFS : HTML_REFS);
          return Promise.all(found.filter(function (u) { return !/\.html?$/.test(new URL(u).pathname) &&
            SHELL.pages.indexOf(new URL(u).pathname) < 0; }).map(function (u) { return store(cache, u, seen); }));
        })]);
      }
      return kept;
    });
  }

  self.addEventListener("install", function (event) {
    event.waitUntil(
      caches.open(CACHE).then(function (cache) {
        var seen = {};
        var pages = [];
        SHELL.pages.forEach(function (path) {
          SHELL.languages.forEach(function (lang) { pages.push(new URL(path + "?lang=" + lang, self.location).href); });
        });
        // One page after the other: the install must not crowd out what the visitor is loading.
        return pages.reduce(function (done, url) {
          return done.then(function () { return store(cache, url, seen); });
        }, Promise.resolve());
      }).then(function () { return self.skipWaiting(); })
    );
  });

  self.addEventListener("activate", function (event) {
    event.waitUntil(
      caches.keys().then(function (names) {
        return Promise.all(names.filter(function (name) {
          return name.indexOf(PREFIX) === 0 && name !== CACHE;
        }).map(function (name) { return caches.delete(name); }));
      }).then(function () { return self.clients.claim(); })
    );
  });

  // A page tells the worker its language, for the pages it serves offline.
  self.addEventListener("message", function (event) {
    var data = event.data || {};
    if (data.type === "skip-waiting") { self.skipWaiting(); return; }
    if (data.type === "release" && event.source) {
      // Which release this worker serves (its cache's name): the page tells a new one apart.
      event.source.postMessage({ type: "release", cache: CACHE });
      return;
    }
    if (data.type === "lang" && SHELL.languages.indexOf(data.lang) >= 0) {
      event.waitUntil(caches.open(CACHE).then(function (cache) {
        return cache.put(LANG_KEY, new Response(data.lang));
      }));
    }
  });

  function language(url) {
    var asked = url.searchParams.get("lang");
    if (SHELL.languages.indexOf(asked) >= 0) return Promise.resolve(asked);
    return caches.open(CACHE).then(function (cache) { return cache.match(LANG_KEY); })
      .then(function (response) { return response ? response.text() : SHELL.languages[0]; });
  }

  function cachedPage(url) {
    return language(url).then(function (lang) {
      return caches.open(CACHE).then(function (cache) { return cache.match(url.pathname + "?lang=" + lang); });
    });
  }

  function navigate(request, url) {
    return new Promise(function (resolve) {
      var settled = false;
      function fallback() {
        if (settled) return;
        cachedPage(url).then(function (page) {
          if (page && !settled) { settled = true; resolve(page); }
        });
      }
      var timer = setTimeout(fallback, TIMEOUT_MS);
      fetch(request).then(function (response) {
        clearTimeout(timer);
        if (!settled) { settled = true; resolve(response); }
      }, function () {
        clearTimeout(timer);
        cachedPage(url).then(function (page) {
          if (settled) return;
          settled = true;
          resolve(page || Response.error());
        });
      });
    });
  }

  function staticFile(request) {
    return caches.open(CACHE).then(function (cache) {
      return cache.match(request).then(function (found) {
        if (found) return found;
        return fetch(request).then(function (response) {
          // Fingerprinted (immutable) files only: a URL without its version may change.
          if (response.ok && /[?&]v=|\/static\/vendor\//.test(request.url)) cache.put(request, response.clone());
          return response;
        });
      });
    });
  }

  self.addEventListener("fetch", function (event) {
    var request = event.request;
    if (request.method !== "GET") return;
    var url = new URL(request.url);
    if (url.origin !== self.location.origin) return;
    if (request.mode === "navigate") {
      if (SHELL.pages.indexOf(url.pathname) >= 0) event.respondWith(navigate(request, url));
      return;
    }
    // The map's fingerprinted files (/map/boundaries/…?v=, /map/symbols.svg?v=) never change either.
    var mapFile = url.pathname.indexOf("/map/") === 0 && url.searchParams.has("v");
    if (url.pathname.indexOf("/static/") === 0 || mapFile) { event.respondWith(staticFile(request)); return; }
    if (url.pathname.indexOf("/api/") === 0) return;  // data: never from this cache
    // Other files of the shell (a page's generated script): network first, the copy offline.
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return cache.match(request).then(function (copy) {
        if (!copy) return fetch(request);
        return fetch(request).catch(function () { return copy; });
      });
    }));
  });
})();
