/*
 * Area editor of the planning forms: click admin areas (régions, départements or
 * sous-préfectures) to add or remove them, or draw a polygon point by point. The choice is kept
 * in the form's fields: area_pcodes (comma-separated P-codes) and area_geojson (drawn polygon).
 * Without JavaScript the P-codes can be typed and a file uploaded.
 */
(function () {
  "use strict";

  // A form with data-confirm asks before it is sent (a listener: the Content-Security-Policy
  // runs no inline onsubmit).
  document.querySelectorAll("form[data-confirm]").forEach(function (confirmed) {
    confirmed.addEventListener("submit", function (event) {
      if (!window.confirm(confirmed.dataset.confirm)) event.preventDefault();
    });
  });

  var box = document.getElementById("wp-edit-map");
  if (!box) return;
  var config = JSON.parse(box.dataset.config);
  var form = document.getElementById("wp-form");
  var pcodesInput = form.querySelector('[name="area_pcodes"]');
  var geojsonInput = form.querySelector('[name="area_geojson"]');
  var levelSelect = document.getElementById("wp-pick-level");
  var drawButton = document.getElementById("wp-draw");
  var finishButton = document.getElementById("wp-draw-finish");
  var clearButton = document.getElementById("wp-draw-clear");
  var drawnStatus = document.getElementById("wp-drawn-status");

  var map = L.map(box, { zoomSnap: 0.25, minZoom: 5, maxZoom: 14, doubleClickZoom: false });
  map.fitBounds(config.view.bounds, { animate: false });
  L.control.scale({ imperial: false }).addTo(map);

  var state = { level: levelSelect.value, layers: {}, drawing: false, points: [] };
  window.webmapAreaEditor = state;

  function selected() {
    return pcodesInput.value.split(/[,;]/).map(function (p) { return p.trim(); }).filter(Boolean);
  }

  function setSelected(list) {
    pcodesInput.value = list.join(", ");
    restyle();
  }

  function styleFor(pcode) {
    var on = selected().indexOf(pcode) >= 0;
    return {
      color: on ? "#17324d" : "#8c8c8c",
      weight: on ? 2 : 0.8,
      fillColor: on ? "#1f78b4" : "#fbf9f3",
      fillOpacity: on ? 0.45 : 0.6
    };
  }

  function restyle() {
    Object.keys(state.layers).forEach(function (level) {
      state.layers[level].eachLayer(function (l) { l.setStyle(styleFor(l.feature.properties.pcode)); });
    });
  }

  function loadLevel(level) {
    Object.keys(state.layers).forEach(function (key) {
      if (key !== level) map.removeLayer(state.layers[key]);
    });
    if (state.layers[level]) {
      state.layers[level].addTo(map);
      return;
    }
    var layer = L.geoJSON(null, {
      style: function (f) { return styleFor(f.properties.pcode); },
      onEachFeature: function (feature, featureLayer) {
        var p = feature.properties;
        featureLayer.bindTooltip(function () {
          var span = document.createElement("span");
          span.textContent = p.name + " (" + p.pcode + ")";
          return span;
        }, { sticky: true });
        featureLayer.on("click", function () {
          if (state.drawing) return;
          var list = selected();
          var at = list.indexOf(p.pcode);
          if (at >= 0) list.splice(at, 1); else list.push(p.pcode);
          setSelected(list);
        });
      }
    });
    state.layers[level] = layer.addTo(map);
    fetch(config.levels[level]).then(function (r) { return r.json(); }).then(function (data) {
      layer.addData(data);
      state.loaded = (state.loaded || 0) + 1;
    });
  }

  levelSelect.addEventListener("change", function () { loadLevel(levelSelect.value); });
  pcodesInput.addEventListener("change", restyle);
  loadLevel(state.level);

  // ---- the drawn (or uploaded, when editing) area ----------------------------------------------

  var drawn = L.geoJSON(null, {
    style: { color: "#c2410c", weight: 2, dashArray: "5 3", fillColor: "#c2410c", fillOpacity: 0.2 },
    interactive: false
  }).addTo(map);
  var sketch = L.polyline([], { color: "#c2410c", weight: 2, dashArray: "3 3", interactive: false }).addTo(map);

  function showDrawn() {
    drawn.clearLayers();
    var raw = geojsonInput.value.trim();
    if (raw) {
      try { drawn.addData(JSON.parse(raw)); } catch (e) { /* left as is: the server reports it */ }
    }
    drawnStatus.textContent = raw ? drawnStatus.dataset.set : drawnStatus.dataset.empty;
  }

  function stopDrawing() {
    state.drawing = false;
    state.points = [];
    sketch.setLatLngs([]);
    finishButton.hidden = true;
    drawButton.hidden = false;
    box.classList.remove("wp-drawing");
  }

  drawButton.addEventListener("click", function () {
    state.drawing = true;
    state.points = [];
    finishButton.hidden = false;
    drawButton.hidden = true;
    box.classList.add("wp-drawing");
  });

  map.on("click", function (event) {
    if (!state.drawing) return;
    state.points.push([event.latlng.lng, event.latlng.lat]);
    sketch.setLatLngs(state.points.map(function (p) { return [p[1], p[0]]; }));
  });

  finishButton.addEventListener("click", function () {
    if (state.points.length >= 3) {
      var ring = state.points.concat([state.points[0]]);
      var polygons = [];
      var raw = geojsonInput.value.trim();
      if (raw) {
        try {
          var current = JSON.parse(raw);
          polygons = current.type === "Polygon" ? [current.coordinates] : (current.coordinates || []);
        } catch (e) { polygons = []; }
      }
      polygons.push([ring]);
      geojsonInput.value = JSON.stringify({ type: "MultiPolygon", coordinates: polygons });
    }
    stopDrawing();
    showDrawn();
  });

  clearButton.addEventListener("click", function () {
    geojsonInput.value = "";
    stopDrawing();
    showDrawn();
  });

  showDrawn();
  if (drawn.getLayers().length) map.fitBounds(drawn.getBounds(), { maxZoom: 10, animate: false });
})();
