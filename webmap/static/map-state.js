/*
 * A map's view and visible layers in the page's address (the hash), so that a reload, a shared
 * link or the FR/EN switch (static/lang-links.js, which keeps the hash) opens the same map:
 *
 *   #map=<zoom>/<lat>/<lon>&layers=<id>,<id>,…
 *
 *   WebmapMapState.read()                 -> {zoom, lat, lon} or null, and .layers: [id] or null
 *   WebmapMapState.write(map, layerIds)   -> replaces the hash (no history entry, no reload)
 *
 * Nothing is sent to the server: the hash stays in the browser.
 */
(function () {
  "use strict";

  function params() {
    return new URLSearchParams(window.location.hash.replace(/^#/, ""));
  }

  function read() {
    var p = params();
    var out = { view: null, layers: null };
    var view = (p.get("map") || "").split("/").map(Number);
    if (view.length === 3 && view.every(isFinite) && Math.abs(view[1]) <= 90 && Math.abs(view[2]) <= 180) {
      out.view = { zoom: view[0], lat: view[1], lon: view[2] };
    }
    if (p.has("layers")) {
      out.layers = (p.get("layers") || "").split(",").filter(function (id) { return /^[\w-]+$/.test(id); });
    }
    return out;
  }

  function write(map, layerIds) {
    var c = map.getCenter();
    var zoom = map.getZoom();
    var digits = zoom >= 12 ? 5 : zoom >= 8 ? 4 : 3;
    var p = params();
    p.set("map", [Math.round(zoom * 100) / 100, c.lat.toFixed(digits), c.lng.toFixed(digits)].join("/"));
    if (layerIds) p.set("layers", layerIds.join(","));
    var hash = "#" + p.toString().replace(/%2F/g, "/").replace(/%2C/g, ",");
    if (hash === window.location.hash) return;
    history.replaceState(history.state, "", window.location.pathname + window.location.search + hash);
    document.dispatchEvent(new CustomEvent("webmap-address-changed"));
  }

  window.WebmapMapState = { read: read, write: write };
})();
