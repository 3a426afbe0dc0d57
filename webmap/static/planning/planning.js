/*
 * /planning: the map of campaigns, at-risk zones and the service desert.
 * Layers come from the catalogue (layers/planning.py) in the JSON island #wp-config and are
 * drawn by overlays.js; the checkboxes of the side panel toggle them and their legend.
 * window.webmapPlanning.ready becomes true once every layer visible at start has loaded.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("wp-config").textContent);
  var statusBox = document.getElementById("wp-status");
  var legendBox = document.getElementById("wp-legend");
  var state = { ready: false, layers: {}, counts: {}, failed: [] };
  window.webmapPlanning = state;

  var map = L.map("wp-map", { zoomSnap: 0.25, minZoom: 5, maxZoom: 14, attributionControl: true });
  map.fitBounds(config.view.bounds, { animate: false });
  L.control.scale({ imperial: false }).addTo(map);
  state.map = map;

  // Offline basemap: the regions (light fill), no tiles; below the overlays, as on "/".
  map.createPane("wp-basemap");
  map.getPane("wp-basemap").style.zIndex = "350";
  var basemap = L.geoJSON(null, {
    pane: "wp-basemap",
    style: function () { return { color: "#9aa3ab", weight: 0.8, fillColor: "#fbf9f3", fillOpacity: 1 }; },
    interactive: false
  }).addTo(map);
  fetch(config.boundariesUrl).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
    if (data) basemap.addData(data);
  }).catch(function () { /* the overlays still show without the basemap */ });
  // Town names from the gazetteer (static/map-places.js), above the overlays.
  if (window.WebmapPlaces && config.placesUrl) {
    state.places = window.WebmapPlaces.layer(map, config.placesUrl, { pane: "wp-places", zIndex: 450 }).addTo(map);
  }

  var pending = 0;
  function markReady() {
    if (pending > 0 || state.ready) return;
    state.ready = true;
    document.documentElement.dataset.planningReady = "true";
  }

  function setStatus(text) {
    statusBox.textContent = text || "";
  }

  // The credits in one line, the full text behind "Sources" (static/map-sources.js).
  var sources = window.WebmapSources.control(map, { label: config.sourcesLabel || "Sources" });
  function updateAttributions() {
    var wanted = [];
    config.layers.forEach(function (def) {
      if (map.hasLayer(state.layers[def.id])) wanted = wanted.concat(def.attributions);
    });
    sources.set(wanted);
  }

  function syncLegend() {
    config.layers.forEach(function (def) {
      var section = legendBox.querySelector('section[data-layer="' + def.id + '"]');
      if (section) section.hidden = !map.hasLayer(state.layers[def.id]);
    });
    updateAttributions();
  }

  var callbacks = {
    loaded: function (def, count) {
      state.counts[def.id] = count;
      pending -= 1;
      markReady();
    },
    failed: function (def, error) {
      state.failed.push(def.id);
      setStatus(config.loadError + " (" + def.label + ")");
      if (window.console) console.error(error);
      pending -= 1;
      markReady();
    }
  };

  config.layers.forEach(function (def) {
    var layer = window.webmapPlanningOverlays.layer(def, map, callbacks);
    state.layers[def.id] = layer;
    if (def.visible) {
      pending += 1;
      layer.addTo(map);
    }
    var box = document.getElementById("toggle-" + def.id);
    if (box) {
      box.checked = def.visible;
      box.addEventListener("change", function () {
        if (box.checked) {
          if (layer.planningState === "idle") pending += 1;
          state.ready = state.ready && layer.planningState !== "idle";
          layer.addTo(map);
        } else {
          map.removeLayer(layer);
        }
        syncLegend();
      });
    }
  });
  syncLegend();
  markReady();

  // The priority list shows 10 zones; the button reveals the rest.
  var more = document.getElementById("wp-show-more");
  var rest = document.getElementById("wp-priorities-more");
  if (more && rest) {
    rest.hidden = true;
    more.textContent = more.dataset.more;
    more.hidden = false;
    more.addEventListener("click", function () {
      rest.hidden = !rest.hidden;
      more.textContent = rest.hidden ? more.dataset.more : more.dataset.less;
    });
  }
})();
