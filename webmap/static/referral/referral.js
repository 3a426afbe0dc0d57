/*
 * /referral: autocomplete of the origin from the gazetteer, map clicks, typed coordinates and
 * the device's location as origins; searches without reloading the page; the map of results.
 *
 * The page works without this script (a GET form; the server renders the results). With it,
 * a search fetches /referral/results (the same server template, already escaped by Jinja, so
 * inserting it is safe) and pushes the canonical URL, which reproduces the search when shared.
 * Place names from /api/v1/places reach the page through textContent only.
 *
 * window.referral is the state read by the browser tests:
 *   ready        the map exists and the initial results are drawn
 *   searches     completed searches made by the script
 *   boundaries   number of boundary features drawn (-1 if loading failed)
 *   markers      result markers on the map
 *   offline      the last results came from the search on this device (no network, or none
 *                within NETWORK_TIMEOUT_MS): webmap/static/offline/search.js over the stored package
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("rf-config").textContent);
  var M = config.messages;
  var state = { ready: false, searches: 0, boundaries: 0, markers: 0, map: null, offline: false };
  var NETWORK_TIMEOUT_MS = 4000;  // no answer by then: the search runs on this device
  window.referral = state;

  var form = document.getElementById("rf-form");
  var placeInput = document.getElementById("rf-place");
  var listBox = document.getElementById("rf-place-list");
  var latInput = document.getElementById("rf-lat");
  var lonInput = document.getElementById("rf-lon");
  var coordsInput = document.getElementById("rf-coords");
  var pointBox = document.getElementById("rf-point");
  var pointText = document.getElementById("rf-point-text");
  var resultsBox = document.getElementById("rf-results");
  var locateButton = document.getElementById("rf-locate");
  var mapHint = document.getElementById("rf-map-hint");

  // ---- origin: a point (map click, device location) --------------------------------------

  function setPoint(lat, lon, label) {
    latInput.value = lat.toFixed(5);
    lonInput.value = lon.toFixed(5);
    placeInput.value = "";
    placeInput.dataset.placeId = "";
    placeInput.dataset.placeName = "";
    coordsInput.value = "";
    pointText.textContent = (label ? label + " — " : "") + latInput.value + ", " + lonInput.value;
    pointBox.hidden = false;
  }

  function clearPoint() {
    latInput.value = "";
    lonInput.value = "";
    pointBox.hidden = true;
  }

  // ---- autocomplete (ARIA combobox) --------------------------------------------------------

  var suggestTimer = null;
  var suggestAbort = null;
  var options = [];
  var active = -1;

  function closeList() {
    listBox.hidden = true;
    listBox.textContent = "";
    placeInput.setAttribute("aria-expanded", "false");
    placeInput.removeAttribute("aria-activedescendant");
    options = [];
    active = -1;
  }

  function highlight(index) {
    active = index;
    Array.prototype.forEach.call(listBox.children, function (li, i) {
      li.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (index >= 0) placeInput.setAttribute("aria-activedescendant", "rf-opt-" + index);
    else placeInput.removeAttribute("aria-activedescendant");
  }

  function choose(index) {
    var place = options[index];
    if (!place) return;
    placeInput.value = place.name;
    placeInput.dataset.placeId = String(place.id);
    placeInput.dataset.placeName = place.name;
    coordsInput.value = "";
    clearPoint();
    closeList();
  }

  function renderOptions(places) {
    listBox.textContent = "";
    options = places;
    active = -1;
    if (!places.length) {
      var none = document.createElement("li");
      none.className = "rf-option-none";
      none.textContent = M.noPlace;
      listBox.appendChild(none);
    }
    places.forEach(function (place, i) {
      var li = document.createElement("li");
      li.id = "rf-opt-" + i;
      li.className = "rf-option";
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.dataset.placeId = String(place.id);
      var name = document.createElement("span");
      name.className = "rf-option-name";
      name.textContent = place.name;
      var where = document.createElement("span");
      where.className = "rf-option-where";
      where.textContent = [place.sous_prefecture, place.region].filter(function (v, j, all) {
        return v && all.indexOf(v) === j && v !== place.name;
      }).join(", ");
      li.appendChild(name);
      li.appendChild(where);
      li.addEventListener("mousedown", function (event) { event.preventDefault(); });
      li.addEventListener("click", function () { choose(i); });
      listBox.appendChild(li);
    });
    listBox.hidden = false;
    placeInput.setAttribute("aria-expanded", "true");
  }

  function suggest() {
    var q = placeInput.value.trim();
    if (q.length < 2) { closeList(); return; }
    if (suggestAbort) suggestAbort.abort();
    suggestAbort = new AbortController();
    fetch(config.placesUrl + "?limit=8&q=" + encodeURIComponent(q), { signal: suggestAbort.signal })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) {
        if (placeInput.value.trim() === q && document.activeElement === placeInput) renderOptions(data.results || []);
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") return;  // a newer request replaced it
        // Offline: the same matches from the stored gazetteer.
        offlineIndex().then(function (idx) {
          if (idx && placeInput.value.trim() === q && document.activeElement === placeInput) {
            renderOptions(window.WebmapSearch.places(idx, q, 8));
          }
        });
      });
  }

  placeInput.addEventListener("input", function () {
    placeInput.dataset.placeId = "";
    placeInput.dataset.placeName = "";
    if (placeInput.value.trim()) clearPoint();
    clearTimeout(suggestTimer);
    suggestTimer = setTimeout(suggest, 180);
  });
  placeInput.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      // Dismissed, even before the list showed: a suggestion still on its way must not open it.
      clearTimeout(suggestTimer);
      if (suggestAbort) suggestAbort.abort();
      closeList();
      return;
    }
    if (listBox.hidden || !options.length) return;
    if (event.key === "ArrowDown") { event.preventDefault(); highlight((active + 1) % options.length); }
    else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active <= 0 ? options.length - 1 : active - 1); }
    else if (event.key === "Enter" && active >= 0) { event.preventDefault(); choose(active); }
  });
  placeInput.addEventListener("blur", function () { setTimeout(closeList, 150); });
  coordsInput.addEventListener("input", function () { if (coordsInput.value.trim()) clearPoint(); });

  // ---- search ------------------------------------------------------------------------------

  function field(name) {
    var input = form.elements[name];
    return input && input.value ? input.value.trim() : "";
  }

  function buildQuery() {
    var params = new URLSearchParams();
    var text = placeInput.value.trim();
    if (text) {
      var chosen = placeInput.dataset.placeId && placeInput.dataset.placeName === text;
      params.set("place", chosen ? placeInput.dataset.placeId : text);
    } else if (coordsInput.value.trim()) {
      params.set("coords", coordsInput.value.trim());
    } else if (latInput.value && lonInput.value) {
      params.set("lat", latInput.value);
      params.set("lon", lonInput.value);
    } else {
      params.set("place", "");  // no origin: the server answers with what to type
    }
    form.querySelectorAll('input[name="need"]:checked').forEach(function (box) { params.append("need", box.value); });
    var openNow = form.elements.open_now;
    if (openNow && openNow.checked) params.set("open_now", "1");
    ["category", "age", "sex", "max_km", "language"].forEach(function (name) {
      var value = field(name);
      if (value) params.set(name, value);
    });
    if (field("limit") && field("limit") !== "5") params.set("limit", field("limit"));
    return params.toString();
  }

  function timedFetch(url, options) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, NETWORK_TIMEOUT_MS);
    return fetch(url, Object.assign({ signal: controller.signal }, options)).then(function (response) {
      clearTimeout(timer);
      return response;
    }, function (error) { clearTimeout(timer); throw error; });
  }

  function search(query, push) {
    resultsBox.setAttribute("aria-busy", "true");
    resultsBox.classList.add("rf-loading");
    return timedFetch(config.resultsUrl + (query ? "?" + query : ""), { headers: { Accept: "text/html" } })
      .then(function (response) {
        if (response.status >= 500) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        resultsBox.innerHTML = html;  // our own server-rendered, escaped template
        state.offline = false;
        var inner = document.getElementById("rf-results-inner");
        var canonical = inner && inner.dataset.query ? inner.dataset.query : query;
        if (push) history.pushState({ query: canonical }, "", config.pageUrl + (canonical ? "?" + canonical : ""));
        shownSearch = window.location.search;
        afterResults();
        state.searches += 1;
        var heading = resultsBox.querySelector(".rf-heading, .rf-alert");
        if (heading) heading.scrollIntoView({ block: "start" });
      })
      .catch(function () { return offlineSearch(query, push); })
      .then(function () {
        resultsBox.removeAttribute("aria-busy");
        resultsBox.classList.remove("rf-loading");
      });
  }

  // ---- the search on this device (no network) --------------------------------------------

  var indexPromise = null;

  function offlineIndex() {
    if (!window.WebmapOffline || !window.WebmapSearch) return Promise.resolve(null);
    if (!indexPromise) {
      indexPromise = window.WebmapOffline.ready().then(function (pkg) {
        if (!pkg) { indexPromise = null; return null; }
        return window.WebmapSearch.index(pkg);
      });
    }
    return indexPromise;
  }

  function alertText(text) {
    resultsBox.textContent = "";
    var p = document.createElement("p");
    p.className = "rf-alert";
    p.setAttribute("role", "alert");
    p.textContent = text;
    resultsBox.appendChild(p);
  }

  function longDate(iso) {
    return window.WebmapRender.date(iso, config.lang);
  }

  function offlineSearch(query, push) {
    return offlineIndex().then(function (idx) {
      if (!idx) { alertText(M.offlineNoData); return; }
      var answer = window.WebmapSearch.run(idx, new URLSearchParams(query), config.lang);
      var canonical = answer.error ? query : window.WebmapSearch.canonicalQuery(answer, idx.rules);
      if (answer.error) {
        answer.error.suggestions.forEach(function (s) {
          var params = new URLSearchParams(query);
          ["place", "coords", "lat", "lon", "pcode"].forEach(function (k) { params.delete(k); });
          var origin = new URLSearchParams();
          if (s.id !== undefined) origin.append("place", String(s.id)); else origin.append("pcode", s.pcode);
          s.url = config.pageUrl + "?" + origin.toString() + (params.toString() ? "&" + params.toString() : "");
        });
      }
      var M2 = idx.pkg.messages[config.lang] || idx.pkg.messages.fr;
      var node = window.WebmapRender.results(answer, {
        M: M2, lang: config.lang, query: canonical, pageUrl: config.pageUrl, sheetUrl: config.sheetUrl,
        colors: config.categoryColors, banner: window.WebmapSearch.fill(M.offlineBanner, { date: longDate(idx.pkg.generated_at) })
      });
      resultsBox.textContent = "";
      resultsBox.appendChild(node);
      if (!answer.error) fillForm(new URLSearchParams(query), answer);
      if (push) history.pushState({ query: canonical }, "", config.pageUrl + (canonical ? "?" + canonical : ""));
      state.offline = true;
      afterResults();
      state.searches += 1;
      var heading = resultsBox.querySelector(".rf-heading, .rf-alert");
      if (heading && push) heading.scrollIntoView({ block: "start" });
    }).catch(function () { alertText(M.loadError); });
  }

  /* The form shows the search the URL describes (a shared link opened offline). */
  function fillForm(params, answer) {
    var origin = answer.origin;
    if (origin.kind === "place") {
      placeInput.value = origin.name;
      placeInput.dataset.placeId = String(origin.place_id);
      placeInput.dataset.placeName = origin.name;
    }
    form.querySelectorAll('input[name="need"]').forEach(function (box) { box.checked = answer.criteria.needs.indexOf(box.value) >= 0; });
    ["age", "sex", "category", "max_km", "limit"].forEach(function (name) {
      var input = form.elements[name];
      var value = params.get(name);
      if (input && value !== null && input.value !== value) input.value = value;
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    closeList();
    search(buildQuery(), true);
  });

  // Back/forward between searches shows that search again; a jump to an anchor of the page (the
  // skip link) changes only the fragment: nothing to reload.
  var shownSearch = window.location.search;
  window.addEventListener("popstate", function () {
    if (window.location.search !== shownSearch) window.location.reload();
  });

  // Links inside the results that run another search (suggested places, widening).
  resultsBox.addEventListener("click", function (event) {
    var link = event.target.closest("a");
    if (!link || !resultsBox.contains(link)) return;
    if (link.dataset.role === "share") return;
    var url = new URL(link.href, window.location.href);
    if (url.pathname !== config.pageUrl || link.dataset.role === "share-link") return;
    event.preventDefault();
    var placeId = link.dataset.placeId;
    if (placeId) {
      placeInput.value = link.textContent.trim();
      placeInput.dataset.placeId = placeId;
      placeInput.dataset.placeName = placeInput.value;
    }
    var maxKm = url.searchParams.get("max_km");
    if (maxKm && form.elements.max_km) {
      var select = form.elements.max_km;
      if (!Array.prototype.some.call(select.options, function (o) { return o.value === maxKm; })) {
        var option = document.createElement("option");
        option.value = maxKm;
        option.textContent = maxKm + " km";
        select.appendChild(option);
      }
      select.value = maxKm;
    }
    search(url.searchParams.toString(), true);
  });

  function afterResults() {
    // "You can also click on the map" only where the map is shown.
    if (map) {
      resultsBox.querySelectorAll('[data-role="map-hint"]').forEach(function (hint) { hint.hidden = false; });
    }
    var share = resultsBox.querySelector('[data-role="share"]');
    if (share && navigator.clipboard && window.isSecureContext) {
      share.hidden = false;
      share.addEventListener("click", function () {
        navigator.clipboard.writeText(share.dataset.url).then(function () { share.textContent = M.copied; });
      });
    }
    drawResults();
  }

  // ---- device location --------------------------------------------------------------------

  if ("geolocation" in navigator) {
    locateButton.hidden = false;
    locateButton.addEventListener("click", function () {
      var label = locateButton.textContent;
      locateButton.textContent = M.locating;
      locateButton.disabled = true;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          locateButton.textContent = label;
          locateButton.disabled = false;
          setPoint(position.coords.latitude, position.coords.longitude, M.myLocation);
          search(buildQuery(), true);
        },
        function () {
          locateButton.textContent = label;
          locateButton.disabled = false;
          window.alert(map ? M.locationFailed : M.locationFailedNoMap);  // the map hint only with a map
        },
        { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 }
      );
    });
  }

  // ---- offline data: date, size, update -----------------------------------------------------

  function initOfflineStatus() {
    var box = document.getElementById("rf-offline-status");
    if (!box || !window.WebmapOffline) return;
    var text = box.querySelector("[data-role=offline-info]");
    var button = box.querySelector("[data-role=offline-update]");
    var said = box.querySelector("[data-role=offline-said]");
    function show() {
      return window.WebmapOffline.info().then(function (info) {
        box.hidden = false;
        if (!info) { text.textContent = M.offlineNone; return; }
        var size = new Intl.NumberFormat(config.lang, { style: "unit", unit: "kilobyte", maximumFractionDigits: 0 })
          .format(info.bytes / 1000);
        text.textContent = window.WebmapSearch.fill(M.offlineInfo, { date: longDate(info.generated_at), size: size });
        box.dataset.version = info.version;
      });
    }
    function online() { button.hidden = !navigator.onLine; }
    window.addEventListener("online", online);
    window.addEventListener("offline", online);
    online();
    button.addEventListener("click", function () {
      button.disabled = true;
      said.textContent = M.offlineUpdating;
      window.WebmapOffline.refresh().then(function (outcome) {
        button.disabled = false;
        said.textContent = outcome.status === "updated" ? M.offlineUpdated
          : outcome.status === "unchanged" ? M.offlineUpToDate : M.offlineUpdateFailed;
        if (outcome.status === "updated") indexPromise = null;
        return show();
      });
    });
    // Stored once, then checked on each visit with the network (one 304 when nothing changed).
    show().then(function () {
      if (!navigator.onLine) return;
      return window.WebmapOffline.refresh().then(function (outcome) {
        if (outcome.status === "updated") indexPromise = null;
        if (outcome.status === "offline") button.hidden = true;  // the browser may think it is online
        return show();
      });
    }).then(function () { state.offlineChecked = true; });
  }

  // ---- map ---------------------------------------------------------------------------------

  var map = null;
  var resultLayer = null;

  function numberedIcon(rank, color) {
    var html = '<span style="background:' + color + '">' + Number(rank) + "</span>";
    return L.divIcon({ className: "rf-marker", html: html, iconSize: [26, 26], iconAnchor: [13, 13] });
  }

  function drawResults() {
    if (!map) return;
    resultLayer.clearLayers();
    state.markers = 0;
    var island = document.getElementById("rf-map-data");
    if (!island) return;
    var data = JSON.parse(island.textContent);
    var origin = [data.origin.lat, data.origin.lon];
    var bounds = L.latLngBounds([origin]);
    data.results.slice().reverse().forEach(function (r) {
      var to = [r.lat, r.lon];
      L.polyline([origin, to], { color: "#17324d", weight: 2, opacity: 0.8, dashArray: "6 5" }).addTo(resultLayer);
      var marker = L.marker(to, {
        icon: numberedIcon(r.rank, r.color), title: r.rank + ". " + r.name, riseOnHover: true, zIndexOffset: 100 * (50 - r.rank)
      });
      marker.addTo(resultLayer);
      state.markers += 1;
      bounds.extend(to);
    });
    L.marker(origin, {
      icon: L.divIcon({ className: "rf-origin-marker", iconSize: [34, 34], iconAnchor: [17, 17] }),
      title: data.origin.name ? window.WebmapSearch.fill(M.originNamed, { name: data.origin.name }) : M.origin,
      zIndexOffset: -1000
    }).addTo(resultLayer);
    if (data.results.length) map.fitBounds(bounds.pad(0.15), { maxZoom: 11 });
    else map.setView(origin, 8);
  }

  function addBoundaries(url, style) {
    return fetch(url)
      .then(function (response) { if (!response.ok) throw new Error(String(response.status)); return response.json(); })
      .then(function (collection) {
        L.geoJSON(collection, { style: function () { return style; }, interactive: false, pane: "rf-boundaries" }).addTo(map);
        state.boundaries += collection.features.length;
      })
      .catch(function () {
        // Offline: the boundaries stored with the directory.
        return offlineIndex().then(function (idx) {
          var stored = idx && idx.pkg.boundaries[url === config.countryUrl ? "country" : "regions"];
          if (!stored) { state.boundaries = -1; return; }
          L.geoJSON(stored, { style: function () { return style; }, interactive: false, pane: "rf-boundaries" }).addTo(map);
          state.boundaries += stored.features.length;
        });
      });
  }

  function initMap() {
    var view = config.view;
    // The credits go under the map (.rf-map-credits), not over it: on a phone the attribution
    // box covered the results nearest the bottom edge.
    map = L.map("rf-map", { minZoom: view.min_zoom, maxZoom: view.max_zoom, zoomSnap: 0.5, attributionControl: false });
    state.map = map;
    map.fitBounds(view.bounds);
    var credits = document.createElement("p");
    credits.className = "rf-map-credits";
    credits.textContent = "Leaflet";
    config.attributions.forEach(function (a) {
      credits.appendChild(document.createTextNode(" · "));
      var item = document.createElement(a.url ? "a" : "span");
      if (a.url) item.href = a.url;
      item.textContent = a.text;
      credits.appendChild(item);
    });
    document.getElementById("rf-map").insertAdjacentElement("afterend", credits);
    resultLayer = L.layerGroup().addTo(map);
    // Regions are the offline basemap, the national border drawn over them, both below results.
    map.createPane("rf-boundaries").style.zIndex = 350;
    addBoundaries(config.regionsUrl, config.styles.regions).then(function () {
      return addBoundaries(config.countryUrl, config.styles.country);
    });
    // Town names from the gazetteer (static/map-places.js), under the results.
    if (window.WebmapPlaces && config.townLabelsUrl) {
      state.places = window.WebmapPlaces.layer(map, config.townLabelsUrl, { pane: "rf-places", zIndex: 380 }).addTo(map);
    }
    map.on("click", function (event) {
      setPoint(event.latlng.lat, event.latlng.lng, M.mapPoint);
      search(buildQuery(), true);
    });
    mapHint.hidden = false;
  }

  if (window.L && document.getElementById("rf-map")) initMap();
  afterResults();
  initOfflineStatus();
  // The page came from the service worker's copy (no network): the URL's search runs here.
  var inner = document.getElementById("rf-results-inner");
  var asked = new URLSearchParams(window.location.search);
  var keys = ["place", "coords", "lat", "lon", "pcode", "need", "category", "age", "sex", "max_km", "limit"];
  if (inner && inner.dataset.status === "idle" && keys.some(function (k) { return asked.has(k); })) {
    search(asked.toString(), false);
  }
  // A shared link opens on its results (or on what went wrong), not on the empty form.
  var initial = resultsBox.querySelector(".rf-heading, .rf-alert, .rf-empty");
  if (initial && window.location.search) initial.scrollIntoView({ block: "start" });
  state.ready = true;
})();
