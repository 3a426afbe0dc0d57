/*
 * webmap client: draws the layers of the catalogue (layers/catalogue.py) on the folium map.
 *
 * Boundaries come from /api/v1/admin-areas, service locations from /api/v1/services/clusters for
 * the visible extent and zoom (refetched on moveend, debounced, previous request aborted): one by
 * one, clustered in the browser, or, for a fuller view, the server's clusters (map-clusters.js).
 * Every piece of data reaches the page through textContent or DOM attributes, never innerHTML.
 *
 * window.webmap is the state, read by the browser tests:
 *   ready           first services load and the default boundaries are done
 *   servicesLoaded  number of features in the last services response (null before)
 *   services        [{id, locationId, name, category, town, lon, lat}] of that response
 *   clusters        [{id, count, categories, lon, lat}]: the server's clusters in that response
 *   mode, total     "services" (one by one) or "clusters", and the services the response stands for
 *   loads           completed services loads; requests: services requests sent
 *   boundaries      {layerId: number of features, or -1 when loading failed}
 *   symbols         number of category symbols placed in the page (-1: failed, null: loading)
 *   offline         true while the services come from the offline package (no network)
 *   offlineInfo     {version, generated_at, bytes} of the package stored on the device, or null
 *
 * Offline (issue 11): with no network the services come from the package that
 * static/offline/store.js keeps in IndexedDB (window.WebmapOffline), drawn with the same
 * symbols, clusters and popups; the boundaries from their cached files (the service worker),
 * else from the package; the layers that need a server or the internet say they are
 * unavailable offline.
 *   legendCategories  category codes in the legend
 */
(function () {
  "use strict";

  var state = {
    ready: false,
    servicesLoaded: null,
    services: [],
    clusters: [],
    mode: null,
    total: null,
    truncated: false,
    loads: 0,
    requests: 0,
    error: null,
    boundaries: {},
    symbols: null,
    offline: false,
    offlineInfo: null,
    legendCategories: [],
    map: null,
    layers: {},
    start: start,
    showService: showService,
    reloadServices: function () { return loadServices(); }
  };
  window.webmap = state;

  var config, messages, labels, map;
  var markersByKey = new Map();
  var debounceTimer = null;
  var inFlight = null;
  var statusBox = null;
  var legendBox = null;
  var sourcesControl = null;
  var pendingBoundaries = 0;

  // ---- small DOM helpers (text only) ----------------------------------------------------

  function el(tag, props, children) {
    var node = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (key) {
        var value = props[key];
        if (value === null || value === undefined) return;
        if (key === "text") node.textContent = value;
        else if (key === "className") node.className = value;
        else if (key === "dataset") Object.keys(value).forEach(function (k) { node.dataset[k] = value[k]; });
        else node.setAttribute(key, value);
      });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function escapeHtml(value) {
    return String(value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function format(template, values) {
    return String(template).replace(/%\((\w+)\)s/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : match;
    });
  }

  function categoryStyle(code) {
    return config.categories[code] || { symbol: config.fallbackSymbol };
  }

  function categoryLabel(code) {
    return labels.categories[code] || code || "";
  }

  // A category's symbol: the page's inline SVG <symbol> (layers/symbols.py), used by reference.
  function symbolSvg(code, className) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("class", className);
    svg.setAttribute("viewBox", "0 0 30 30");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var use = document.createElementNS(ns, "use");
    use.setAttribute("href", "#" + categoryStyle(code).symbol);
    svg.appendChild(use);
    return svg;
  }

  function symbol(code, extraClass) {
    return symbolSvg(code, "wm-symbol" + (extraClass ? " " + extraClass : ""));
  }

  // ---- status line -------------------------------------------------------------------------

  function setStatus(kind, text) {
    statusBox.dataset.state = kind;
    statusBox.textContent = text || "";
    statusBox.hidden = !text;
  }

  function refreshStatus() {
    if (inFlight) return setStatus("loading", messages.loading);
    if (state.noOfflineData) return setStatus("error", messages.offlineNoData);
    if (state.error) return setStatus("error", messages.loadError);
    var failed = config.layers.filter(function (def) {
      return state.boundaries[def.id] === -1 && map.hasLayer(state.layers[def.id]);
    });
    // Offline, a layer that needs the internet or the server says so (not a silent gap).
    var unavailable = isOffline() ? config.layers.filter(function (def) {
      return map.hasLayer(state.layers[def.id]) && (needsServer(def) || state.boundaries[def.id] === -1);
    }) : [];
    if (unavailable.length) {
      return setStatus("unavailable", unavailable.map(function (def) {
        return format(messages.layerUnavailableOffline, { layer: def.label });
      }).join(" · "));
    }
    if (failed.length) return setStatus("error", messages.boundariesError);
    if (!map.hasLayer(state.layers.services)) return setStatus("idle", "");
    if (state.servicesLoaded === 0) return setStatus("empty", messages.empty);
    if (state.truncated) return setStatus("truncated", format(messages.truncated, { count: state.servicesLoaded }));
    var visible = state.services.concat(state.clusters).some(function (s) { return map.getBounds().contains([s.lat, s.lon]); });
    if (state.servicesLoaded !== null && !visible) return setStatus("empty", messages.empty);
    setStatus("idle", "");
  }

  // ---- attributions: exactly those of the visible catalogue layers, in one line -------------
  // (static/map-sources.js: the short names, the full text behind "Sources")

  function updateAttributions() {
    var wanted = [];
    config.layers.forEach(function (def) {
      if (!map.hasLayer(state.layers[def.id])) return;
      def.attributions.forEach(function (a) { wanted.push(a); });
    });
    sourcesControl.set(wanted);
  }

  // ---- boundaries ----------------------------------------------------------------------------

  function tilesVisible() {
    return config.layers.some(function (def) {
      return def.kind === "tiles" && map.hasLayer(state.layers[def.id]);
    });
  }

  function boundaryStyle(def) {
    var s = def.style;
    return {
      color: s.color,
      weight: s.weight,
      opacity: s.opacity,
      dashArray: s.dashArray,
      fill: true, // filled (maybe transparently) so the whole area answers hover
      fillColor: s.fillColor,
      // Over online tiles the offline basemap's fill would hide them.
      fillOpacity: s.fill && !tilesVisible() ? s.fillOpacity : 0
    };
  }

  function boundaryLayer(def) {
    map.createPane("wm-" + def.id).style.zIndex = def.zIndex;
    var layer = L.geoJSON(null, {
      pane: "wm-" + def.id,
      interactive: Boolean(def.tooltip),
      style: function () { return boundaryStyle(def); },
      onEachFeature: function (feature, featureLayer) {
        if (!def.tooltip) return;
        var value = feature.properties ? feature.properties[def.tooltip] : null;
        if (value === null || value === undefined) return;
        featureLayer.bindTooltip(function () { return el("span", { text: String(value) }); }, {
          sticky: true,
          direction: "top",
          className: "wm-tooltip",
          pane: "tooltipPane"
        });
      }
    });
    var requested = false;
    layer.on("add", function () {
      if (requested) return;
      requested = true;
      pendingBoundaries += 1;
      // No extra header: the page preloads this fingerprinted file (and the service worker
      // keeps it), and a preload is only reused by an identical request.
      fetch(def.url)
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .catch(function (error) {
          return packageBoundaries(def.id).then(function (collection) {
            if (!collection) throw error;
            return collection;
          });
        })
        .then(function (collection) {
          layer.addData(collection);
          state.boundaries[def.id] = (collection.features || []).length;
        })
        .catch(function (error) {
          requested = false;
          state.boundaries[def.id] = -1;
          refreshStatus();
        })
        .then(function () {
          pendingBoundaries -= 1;
          markReady();
        });
    });
    return layer;
  }

  // ---- services ------------------------------------------------------------------------------

  var ServiceIcon = L.DivIcon.extend({
    options: { html: false, className: "wm-marker", iconSize: [30, 30], iconAnchor: [15, 15], popupAnchor: [0, -14] },
    createIcon: function (oldIcon) {
      var div = L.DivIcon.prototype.createIcon.call(this, oldIcon);
      var p = this.options.service;
      div.replaceChildren(symbolSvg(p.category, "wm-marker-symbol"));
      div.style.backgroundColor = categoryStyle(p.category).color || ""; // until the symbols load
      div.dataset.serviceId = p.id || "";
      div.dataset.category = p.category || "";
      div.dataset.town = p.town || "";
      div.dataset.name = p.name || "";
      return div;
    }
  });

  var ClusterIcon = L.DivIcon.extend({
    options: { html: false, iconSize: [38, 38] },
    createIcon: function (oldIcon) {
      var div = L.DivIcon.prototype.createIcon.call(this, oldIcon);
      var count = this.options.count;
      div.replaceChildren(el("div", null, [el("span", { text: String(count) })]));
      div.dataset.count = String(count);
      div.title = format(messages.clusterTitle, { count: count });
      return div;
    }
  });

  function clusterIcon(cluster) {
    // A server cluster (map-clusters.js) stands for its count of services, a marker for one.
    var count = cluster.getAllChildMarkers().reduce(function (sum, m) { return sum + serverClusters.count(m); }, 0);
    var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
    return new ClusterIcon({ count: count, className: "marker-cluster marker-cluster-" + size + " wm-cluster" });
  }

  function formatDate(iso) {
    if (!iso || !/^\d{4}-\d{2}-\d{2}$/.test(iso)) return messages.notRecorded;
    try {
      return new Intl.DateTimeFormat(config.lang, { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" })
        .format(new Date(iso + "T00:00:00Z"));
    } catch (e) {
      return iso;
    }
  }

  function ages(p) {
    var min = p.minimum_age, max = p.maximum_age;
    if (min !== null && min !== undefined && max !== null && max !== undefined) return format(messages.ageRange, { min: min, max: max });
    if (min !== null && min !== undefined) return format(messages.ageFrom, { min: min });
    if (max !== null && max !== undefined) return format(messages.ageUpTo, { max: max });
    return null;
  }

  function popupContent(p) {
    var rows = [];
    function row(key, label, value) {
      if (value === null || value === undefined || value === "") return;
      rows.push(el("dt", { text: label, dataset: { field: key } }));
      rows.push(el("dd", { dataset: { field: key } }, [value]));
    }

    if (p.organization && p.organization !== p.name) row("organization", messages.organization, p.organization);
    row("town", messages.town, p.town || messages.notRecorded);

    var phones = (p.phones || []).filter(Boolean);
    if (phones.length) {
      var list = el("span", { className: "wm-phones" });
      phones.forEach(function (number, i) {
        if (i) list.appendChild(document.createTextNode(", "));
        var dial = String(number).replace(/[^0-9+]/g, "");
        list.appendChild(dial ? el("a", { href: "tel:" + dial, text: String(number) }) : document.createTextNode(String(number)));
      });
      row("phones", messages.phones, list);
    } else {
      row("phones", messages.phones, messages.notRecorded);
    }
    if (p.masked && p.public_contact) row("public_contact", messages.publicContact, p.public_contact);

    var needs = (p.needs || []).map(function (code) { return labels.needs[code] || code; });
    if (needs.length) row("needs", messages.needs, needs.join(", "));
    var children = [p.sexes ? labels.sexes[p.sexes] || p.sexes : null, ages(p)].filter(Boolean).join(", ");
    if (children) row("children", messages.children, children);

    row("status", messages.status, labels.statuses[p.status] || p.status);
    var verification = el("span", {
      className: "wm-badge wm-badge-" + (p.verification === "verified" ? "verified" : "to-verify"),
      text: labels.verification[p.verification] || p.verification || ""
    });
    var verificationCell = el("span", null, [verification]);
    if (p.stale && p.verification === "verified") {
      verificationCell.appendChild(document.createTextNode(" "));
      verificationCell.appendChild(el("span", { className: "wm-badge wm-badge-stale", text: messages.stale }));
    }
    row("verification", messages.verification, verificationCell);
    row("assured_date", messages.lastVerified, formatDate(p.assured_date));
    row("precision", messages.precision, labels.precisions[p.precision] || p.precision);

    var category = el("p", { className: "wm-popup-category", dataset: { field: "category" } }, [
      symbol(p.category, "wm-symbol-small"),
      el("span", { text: categoryLabel(p.category) })
    ]);
    return el("div", { className: "wm-popup", dataset: { serviceId: p.id || "" } }, [
      el("h3", { className: "wm-popup-title", text: p.name || "", dataset: { field: "name" } }),
      category,
      el("dl", null, rows),
      p.masked ? el("p", { className: "wm-popup-note", text: messages.masked }) : null,
      recordLink(p),
      suggestLinks(p)
    ]);
  }

  // "See the record": the structure's page in the directory.
  function recordLink(p) {
    if (!config.recordUrl || !p.id) return null;
    var href = config.recordUrl.replace("00000000-0000-0000-0000-000000000000", encodeURIComponent(p.id));
    return el("p", { className: "wm-popup-record" }, [
      el("a", { href: href, text: messages.seeRecord, dataset: { action: "see-record" } })
    ]);
  }

  // "Report an error" on this structure, "Propose a structure": the public suggestion form.
  function suggestLinks(p) {
    if (!config.suggestUrl) return null;
    return el("p", { className: "wm-popup-suggest" }, [
      el("a", { href: config.suggestUrl + "?service=" + encodeURIComponent(p.id || ""), text: messages.reportError,
                dataset: { action: "report-error" } }),
      document.createTextNode(" · "),
      el("a", { href: config.suggestUrl, text: messages.proposeStructure })
    ]);
  }

  function makeMarker(feature) {
    var p = feature.properties || {};
    var coordinates = feature.geometry.coordinates;
    var marker = L.marker([coordinates[1], coordinates[0]], {
      icon: new ServiceIcon({ service: p }),
      title: (p.name || "") + " — " + categoryLabel(p.category),
      keyboard: true,
      riseOnHover: true
    });
    // Narrow screens: as wide as the screen allows, so that no word has to be cut.
    var width = map.getSize().x;
    marker.bindPopup(function () { return popupContent(p); }, {
      // (the content's width: Leaflet adds 45 px of margins and the close button)
      minWidth: Math.min(220, width - 110),
      maxWidth: Math.min(300, width - 100),
      // A phone: the popup opens under the top controls (zoom, switcher, legend), scrolling if
      // it is taller than the room left, rather than under them.
      autoPanPaddingTopLeft: [width < 420 ? 12 : 50, width < 420 ? 100 : 20],
      autoPanPaddingBottomRight: [width < 420 ? 12 : 58, width < 420 ? 34 : 20],
      maxHeight: width < 420 ? Math.max(200, map.getSize().y - 160) : null,
      className: "wm-popup-wrapper"
    });
    return marker;
  }

  // The server's clusters (static/map-clusters.js, window.WebmapClusters).
  var serverClusters = window.WebmapClusters;

  function serverClusterMarker(feature) {
    return serverClusters.marker(feature, {
      map: map,
      lang: config.lang,
      title: function (count) { return format(messages.clusterTitle, { count: count }); }
    });
  }

  function featureKey(feature) {
    var p = feature.properties || {};
    return String(p.id || feature.id) + "/" + String(p.location_id || "") + "/" + feature.geometry.coordinates.join(",");
  }

  function drawServices(collection) {
    var cluster = state.layers.services;
    var features = (collection.features || []).filter(function (f) {
      return f && f.geometry && f.geometry.type === "Point";
    });
    var next = new Map();
    var added = [];
    features.forEach(function (feature) {
      var key = featureKey(feature);
      if (next.has(key)) return;
      var existing = markersByKey.get(key);
      // A marker whose data changed is redrawn; an unchanged one is kept (its popup stays open).
      var same = existing && JSON.stringify(existing.feature.properties) === JSON.stringify(feature.properties);
      if (same) {
        next.set(key, existing);
      } else {
        var entry = { marker: serverClusters.isCluster(feature) ? serverClusterMarker(feature) : makeMarker(feature),
                      feature: feature };
        next.set(key, entry);
        added.push(entry.marker);
      }
    });
    var removed = [];
    markersByKey.forEach(function (entry, key) {
      if (next.get(key) !== entry) removed.push(entry.marker);
    });
    cluster.removeLayers(removed);
    cluster.addLayers(added);
    markersByKey = next;

    var categories = [];
    state.services = [];
    state.clusters = [];
    next.forEach(function (entry) {
      var p = entry.feature.properties || {};
      var c = entry.feature.geometry.coordinates;
      if (serverClusters.isCluster(entry.feature)) {
        Object.keys(p.categories || {}).forEach(function (code) { if (categories.indexOf(code) < 0) categories.push(code); });
        state.clusters.push({ id: entry.feature.id, count: p.count, categories: p.categories, lon: c[0], lat: c[1] });
        return;
      }
      if (categories.indexOf(p.category) < 0) categories.push(p.category);
      state.services.push({ id: p.id, locationId: p.location_id, name: p.name, category: p.category, town: p.town, lon: c[0], lat: c[1] });
    });
    state.servicesLoaded = features.length;
    state.mode = collection.mode || "services";
    state.total = typeof collection.total === "number" ? collection.total : features.length;
    state.truncated = Boolean(collection.truncated);
    state.error = null;
    updateLegend(categories);
  }

  function viewBounds() {
    var b = map.getBounds().pad(0.25);
    var clamp = function (v, lo, hi) { return Math.min(hi, Math.max(lo, v)); };
    return L.latLngBounds(
      [clamp(b.getSouth(), -90, 90), clamp(b.getWest(), -180, 180)],
      [clamp(b.getNorth(), -90, 90), clamp(b.getEast(), -180, 180)]
    );
  }

  function loadServices() {
    var layer = state.layers.services;
    if (!layer || !map.hasLayer(layer)) return null;
    if (inFlight) inFlight.abort();
    var controller = new AbortController();
    inFlight = controller;
    var bounds = viewBounds();
    var bbox = [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()]
      .map(function (v) { return v.toFixed(5); }).join(",");
    var def = layer.options.wmDef;
    var url = def.url + (def.url.indexOf("?") < 0 ? "?" : "&") + "bbox=" + encodeURIComponent(bbox) +
      "&zoom=" + Math.round(map.getZoom());
    state.requests += 1;
    refreshStatus();
    // A network that does not answer is no network: the stored package is drawn instead.
    var timedOut = false;
    var timer = setTimeout(function () { timedOut = true; controller.abort(); }, NETWORK_TIMEOUT_MS);
    // "no-cache": the browser asks again each time (a 304 while the data version is the same), so a
    // lost network is noticed and the stored package drawn, not a copy kept by the HTTP cache.
    return fetch(url, { signal: controller.signal, cache: "no-cache", headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (collection) {
        clearTimeout(timer);
        if (inFlight !== controller) return;
        inFlight = null;
        setOffline(false);
        state.noOfflineData = false;
        drawServices(collection);
        state.loads += 1;
        refreshStatus();
        markReady();
      })
      .catch(function (error) {
        clearTimeout(timer);
        if (error && error.name === "AbortError" && !timedOut) return;
        if (inFlight !== controller) return;
        // No answer at all (offline, timed out): the offline package; an HTTP error is shown.
        var unreachable = timedOut || error instanceof TypeError;
        var fallback = unreachable ? drawOfflineServices() : Promise.resolve(false);
        return fallback.then(function (drawn) {
          if (inFlight === controller) inFlight = null;
          state.error = drawn ? null : String(error);
          state.noOfflineData = unreachable && !drawn;
          state.loads += 1;
          refreshStatus();
          markReady();
        });
      });
  }

  function scheduleServices() {
    clearTimeout(debounceTimer);
    // Offline, every stored service is drawn already: moving needs no request.
    if (state.offline && navigator.onLine === false) return refreshStatus();
    debounceTimer = setTimeout(loadServices, 250);
  }

  // ---- offline (static/offline/store.js: window.WebmapOffline) -------------------------------

  var NETWORK_TIMEOUT_MS = 8000;
  var offlineBox = null;

  function offlineStore() {
    return window.WebmapOffline || null;
  }

  function isOffline() {
    return state.offline || navigator.onLine === false;
  }

  // The package already on the device, or null: never a download here (a failed request
  // online must not cost the whole package; keepPackageFresh downloads it when all is drawn).
  function storedPackage() {
    var store = offlineStore();
    if (!store) return Promise.resolve(null);
    return store.info().then(function (info) { return info ? store.ready() : null; })
      .catch(function () { return null; });
  }

  function packageBoundaries(layerId) {
    return storedPackage().then(function (pkg) {
      var collection = pkg && pkg.boundaries ? pkg.boundaries[layerId] : null;
      return collection && collection.features ? collection : null;
    });
  }

  function fieldIndex(fields) {
    var index = {};
    fields.forEach(function (name, i) { index[name] = i; });
    return index;
  }

  // The package's services as the features /api/v1/services answers (the popup's fields).
  function packageFeatures(pkg) {
    var table = pkg.services;
    var f = fieldIndex(table.fields);
    var lf = fieldIndex(table.location_fields);
    var cutoff = Date.now() - config.staleAfterDays * 86400000;
    var features = [];
    table.rows.forEach(function (row) {
      var assured = row[f.assured_date];
      (row[f.locations] || []).forEach(function (loc, i) {
        var masked = Boolean(loc[lf.masked]);
        features.push({
          type: "Feature",
          id: row[f.id],
          geometry: { type: "Point", coordinates: [loc[lf.lon], loc[lf.lat]] },
          properties: {
            id: row[f.id],
            location_id: "offline-" + i,
            name: row[f.name],
            category: row[f.category],
            town: loc[lf.town],
            phones: row[f.phones] || [],
            email: row[f.email],
            public_contact: loc[lf.public_contact],
            masked: masked,
            status: row[f.status],
            verification: row[f.verification],
            assured_date: assured,
            stale: !assured || Date.parse(assured + "T00:00:00Z") < cutoff,
            precision: masked ? "town" : null,
            needs: row[f.needs] || [],
            minimum_age: row[f.minimum_age],
            maximum_age: row[f.maximum_age],
            sexes: row[f.sexes]
          }
        });
      });
    });
    return { type: "FeatureCollection", features: features };
  }

  // Promise of true when the stored package's services were drawn.
  function drawOfflineServices() {
    return storedPackage().then(function (pkg) {
      if (!pkg || !pkg.services || !map.hasLayer(state.layers.services)) return false;
      drawServices(packageFeatures(pkg));
      setOffline(true);
      return true;
    });
  }

  function setOffline(offline) {
    if (state.offline === offline) return;
    state.offline = offline;
    updateOfflineBox();
  }

  function byteSize(bytes) {
    var kilobytes = Math.max(1, Math.round(bytes / 1000));
    var text = String(kilobytes);
    try { text = new Intl.NumberFormat(config.lang).format(kilobytes); } catch (e) { /* plain digits */ }
    return format(messages.kilobytes, { size: text });
  }

  function updateOfflineBox() {
    if (!offlineBox) return;
    var container = map.getContainer();
    container.classList.toggle("wm-offline", isOffline());
    var info = state.offlineInfo;
    var date = info && info.generated_at ? formatDate(String(info.generated_at).slice(0, 10)) : null;
    var text = "";
    if (state.offline && date) text = format(messages.offlineBanner, { date: date });
    else if (isOffline()) text = messages.offlineNoData;
    else if (date) text = format(messages.offlineStored, { date: date, size: byteSize(info.bytes || 0) });
    offlineBox.textContent = text;
    offlineBox.hidden = !text;
    offlineBox.dataset.state = state.offline ? "offline" : isOffline() ? "offline-empty" : "stored";
    if (info) offlineBox.dataset.version = info.version || "";
  }

  function readOfflineInfo() {
    var store = offlineStore();
    if (!store) return Promise.resolve(null);
    return store.info().then(function (info) {
      state.offlineInfo = info;
      updateOfflineBox();
      return info;
    }).catch(function () { return null; });
  }

  // After the first draw, online: the package is stored or brought up to date (an unchanged one
  // costs one 304), so that the next visit works with no network.
  function keepPackageFresh() {
    var store = offlineStore();
    if (!store || isOffline()) return;
    store.refresh().then(readOfflineInfo).catch(function () { /* the next visit retries */ });
  }

  var OfflineControl = L.Control.extend({
    // Above the scale: the top right holds the switcher and the legend, which on a phone an
    // open switcher would push over a box under the zoom buttons.
    options: { position: "bottomleft" },
    onAdd: function () {
      offlineBox = el("div", { className: "wm-offline-info leaflet-control", role: "status", hidden: "" });
      return offlineBox;
    }
  });

  function servicesLayer(def) {
    var layer = L.markerClusterGroup({
      wmDef: def,
      maxClusterRadius: 40,
      showCoverageOnHover: false,
      spiderfyOnMaxZoom: true,
      iconCreateFunction: clusterIcon
    });
    layer.on("add", function () { loadServices(); });
    layer.on("remove", function () {
      if (inFlight) inFlight.abort();
      inFlight = null;
      refreshStatus();
    });
    return layer;
  }

  function showService(id, open) {
    var found = null;
    markersByKey.forEach(function (entry) {
      if (!found && entry.feature.properties && entry.feature.properties.id === id) found = entry.marker;
    });
    if (!found) return false;
    state.layers.services.zoomToShowLayer(found, function () { if (open !== false) found.openPopup(); });
    return true;
  }

  // ---- legend ----------------------------------------------------------------------------------

  function lineSwatch(style) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("class", "wm-line");
    svg.setAttribute("width", "28");
    svg.setAttribute("height", "12");
    svg.setAttribute("aria-hidden", "true");
    var line = document.createElementNS(ns, "line");
    line.setAttribute("x1", "1");
    line.setAttribute("y1", "6");
    line.setAttribute("x2", "27");
    line.setAttribute("y2", "6");
    line.setAttribute("stroke", style.color);
    line.setAttribute("stroke-width", String(Math.max(style.weight, 1)));
    if (style.dashArray) line.setAttribute("stroke-dasharray", style.dashArray);
    svg.appendChild(line);
    return svg;
  }

  function updateLegend(categories) {
    if (categories) state.legendCategories = Object.keys(config.categories).filter(function (code) {
      return categories.indexOf(code) >= 0;
    });
    var body = legendBox.querySelector(".wm-legend-body");
    var sections = [];
    if (map.hasLayer(state.layers.services)) {
      var items = state.legendCategories.map(function (code) {
        return el("li", { dataset: { category: code } }, [symbol(code), el("span", { text: categoryLabel(code) })]);
      });
      if (!items.length) items.push(el("li", { className: "wm-legend-none", text: messages.noneInView }));
      sections.push(el("section", { dataset: { layer: "services" } }, [
        el("h4", { text: messages.structures }), el("ul", null, items)
      ]));
    }
    var lines = config.layers.filter(function (def) {
      return def.kind === "boundaries" && map.hasLayer(state.layers[def.id]);
    }).sort(function (a, b) { return b.zIndex - a.zIndex; }).map(function (def) {
      return el("li", { dataset: { layer: def.id } }, [lineSwatch(def.style), el("span", { text: def.legendLabel || def.label })]);
    });
    if (lines.length) sections.push(el("section", { dataset: { layer: "boundaries" } }, [
      el("h4", { text: messages.boundaries }), el("ul", null, lines)
    ]));
    // --- planning overlays: their legend comes from overlays.js (layers/planning.py) ---
    config.layers.forEach(function (def) {
      if (def.script && window.webmapPlanningOverlays && map.hasLayer(state.layers[def.id])) {
        sections.push(window.webmapPlanningOverlays.legendSection(def));
      }
    });
    // --- end of the planning overlays ---
    body.replaceChildren.apply(body, sections);
    legendBox.dataset.categories = state.legendCategories.join(",");
  }

  // The legend sits under the layer switcher (top right): its height is what is left above the
  // bottom controls (scale, credits), so an open switcher pushes it down and never hides under it.
  function fitLegend() {
    if (!legendBox) return;
    var container = map.getContainer().getBoundingClientRect();
    var top = legendBox.getBoundingClientRect().top - container.top;
    var bottom = 0;
    map.getContainer().querySelectorAll(".leaflet-bottom .leaflet-control").forEach(function (control) {
      var r = control.getBoundingClientRect();
      if (r.height) bottom = Math.max(bottom, container.bottom - r.top);
    });
    legendBox.style.maxHeight = Math.max(40, container.height - top - bottom - 12) + "px";
  }

  var LegendControl = L.Control.extend({
    options: { position: "topright" },
    onAdd: function () {
      var details = el("details", { className: "wm-legend leaflet-control", dataset: { lang: config.lang } }, [
        el("summary", { text: messages.legend }),
        el("div", { className: "wm-legend-body" })
      ]);
      details.open = !window.matchMedia("(max-width: 600px)").matches;
      L.DomEvent.disableClickPropagation(details);
      L.DomEvent.disableScrollPropagation(details);
      legendBox = details;
      return details;
    }
  });

  // ---- planning overlays (layers/planning.py) ------------------------------------------------
  // Campaigns, at-risk zones and the service desert are drawn by static/planning/overlays.js,
  // loaded the first time one of them is switched on (each definition names the script).

  var planningScript = null;

  function loadPlanningScript(url) {
    if (!planningScript) {
      planningScript = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = url;
        script.onload = resolve;
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return planningScript;
  }

  function planningLayer(def) {
    var group = L.layerGroup();
    group.on("add", function () {
      loadPlanningScript(def.script).then(function () {
        if (group.getLayers().length) return;
        group.addLayer(window.webmapPlanningOverlays.layer(def, map, {
          loaded: function () { state.layers[def.id].planningLoaded = true; onLayersChanged(); }
        }));
        onLayersChanged();
      });
    });
    return group;
  }

  // ---- end of the planning overlays ------------------------------------------------------------

  // ---- layer control labels (our catalogue's strings, escaped: Leaflet inserts HTML) ---------

  // Tiles come from the internet, planning overlays from the server: neither works offline.
  function needsServer(def) {
    return Boolean(def.onlineOnly || def.script);
  }

  function layerLabel(def) {
    var swatch = "";
    if (def.kind === "boundaries") {
      swatch = '<span class="wm-layer-swatch" style="border-top:' + Math.max(def.style.weight, 1) + "px " +
        (def.style.dashArray ? "dashed " : "solid ") + escapeHtml(def.style.color) + '"></span>';
    } else if (def.kind === "services") {
      swatch = '<span class="wm-layer-swatch wm-layer-swatch-services"></span>';
    } else if (def.script) { // planning overlay
      swatch = '<span class="wm-layer-swatch" style="height:10px;width:14px;background:' +
        escapeHtml(def.swatchColor) + ';opacity:0.7"></span>';
    } else {
      swatch = '<span class="wm-layer-swatch wm-layer-swatch-tiles"></span>';
    }
    var note = needsServer(def) ?
      ' <span class="wm-offline-note" data-offline-note="' + escapeHtml(def.id) + '">' +
      escapeHtml(messages.unavailableOffline) + "</span>" : "";
    return swatch + '<span data-layer="' + escapeHtml(def.id) + '">' + escapeHtml(def.label) + "</span>" + note;
  }

  // ---- start -------------------------------------------------------------------------------------

  // The category symbols (layers/symbols.py): one cached SVG file of <symbol> elements, placed
  // in the page; markers, popups and the legend reference them (<use href="#wm-symbol-…">), so
  // those drawn before it arrives show their symbol as soon as it is there.
  function loadSymbols(url) {
    return fetch(url)
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (svgText) {
        var parsed = new DOMParser().parseFromString(svgText, "image/svg+xml");
        var root = parsed.documentElement;
        if (root.namespaceURI !== "http://www.w3.org/2000/svg") throw new Error("not SVG");
        document.body.appendChild(document.importNode(root, true));
        state.symbols = root.querySelectorAll("symbol").length;
      })
      .catch(function () { state.symbols = -1; })
      .then(markReady);
  }

  function markReady() {
    if (state.ready || pendingBoundaries > 0 || state.symbols === null) return;
    if (map.hasLayer(state.layers.services) && state.loads === 0) return;
    state.ready = true;
    document.documentElement.dataset.webmapReady = "true";
    setTimeout(keepPackageFresh, 1000);
  }

  function onLayersChanged() {
    config.layers.forEach(function (def) {
      if (def.kind === "boundaries") state.layers[def.id].setStyle(boundaryStyle(def));
    });
    updateAttributions();
    updateLegend();
    refreshStatus();
  }

  function start(leafletMap, configId) {
    map = leafletMap;
    config = JSON.parse(document.getElementById(configId).textContent);
    messages = config.messages;
    labels = config.labels;
    state.map = map;
    state.lang = config.lang;

    // No tile layer sets the zoom range; the marker clusters need a maximum zoom.
    map.setMinZoom(config.view.min_zoom);
    map.setMaxZoom(config.view.max_zoom);

    loadSymbols(config.symbolsUrl);

    statusBox = el("div", { className: "wm-status", role: "status", "aria-live": "polite", hidden: "" });
    map.getContainer().appendChild(statusBox);

    new LegendControl().addTo(map);
    new OfflineControl().addTo(map);
    sourcesControl = WebmapSources.control(map, { label: messages.sources });
    readOfflineInfo();
    window.addEventListener("offline", function () { updateOfflineBox(); refreshStatus(); });
    window.addEventListener("online", function () { updateOfflineBox(); loadServices(); keepPackageFresh(); });
    document.addEventListener("webmap-offline-refresh", readOfflineInfo);

    var overlays = {};
    config.layers.forEach(function (def) {
      var layer;
      if (def.kind === "tiles") {
        layer = L.tileLayer(def.tiles.url, { maxZoom: def.tiles.maxZoom, pane: "tilePane" });
        layer.on("tileerror", function () { if (isOffline()) refreshStatus(); });
      } else if (def.kind === "boundaries") {
        layer = boundaryLayer(def);
      } else if (def.kind === "services") {
        layer = servicesLayer(def);
      } else if (def.script) {
        layer = planningLayer(def); // planning overlays (layers/planning.py)
      } else {
        return;
      }
      state.layers[def.id] = layer;
      overlays[layerLabel(def)] = layer;
    });
    // The view and layers of the address (static/map-state.js: a reload, a shared link, FR/EN),
    // else the country, fitted on small screens, before the first services request.
    var asked = WebmapMapState.read();
    if (asked.view) {
      map.setView([asked.view.lat, asked.view.lon], asked.view.zoom, { animate: false });
    } else {
      var country = L.latLngBounds(config.view.bounds);
      if (!map.getBounds().contains(country)) map.fitBounds(country, { animate: false });
    }

    config.layers.forEach(function (def) {
      var visible = asked.layers ? asked.layers.indexOf(def.id) >= 0 : def.visible;
      if (visible && state.layers[def.id]) state.layers[def.id].addTo(map);
    });
    var switcher = L.control.layers(null, overlays, { collapsed: true, position: "topright" }).addTo(map);
    state.layerControl = switcher;
    // Under the switcher, in the same corner: Leaflet stacks a corner's controls, never overlaps them.
    legendBox.parentNode.appendChild(legendBox);
    if (window.ResizeObserver) {
      var watch = new ResizeObserver(fitLegend);
      // The switcher opening, the stored data's date or the credits changing at the bottom.
      [switcher.getContainer(), map._controlCorners.bottomleft, map._controlCorners.bottomright]
        .forEach(function (node) { watch.observe(node); });
    }
    map.on("resize", fitLegend);
    legendBox.addEventListener("toggle", fitLegend);
    fitLegend();

    // Town names from the gazetteer (static/map-places.js), under the structures.
    state.places = WebmapPlaces.layer(map, config.placesUrl, { pane: "wm-places", zIndex: 450 }).addTo(map);

    function saveAddress() {
      WebmapMapState.write(map, config.layers.filter(function (def) {
        return map.hasLayer(state.layers[def.id]);
      }).map(function (def) { return def.id; }));
    }
    map.on("moveend overlayadd overlayremove", saveAddress);

    map.on("overlayadd overlayremove", onLayersChanged);
    // An open popup may need the top of a phone's screen: the data indicator steps aside.
    map.on("popupopen", function () { map.getContainer().classList.add("wm-popup-open"); });
    map.on("popupclose", function () { map.getContainer().classList.remove("wm-popup-open"); });
    map.on("moveend", scheduleServices);
    onLayersChanged();
    markReady();
  }
})();
