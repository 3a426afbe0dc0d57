/*
 * Place labels from the gazetteer (webmap/mapview/places.py: /map/places.geojson?v=…, one
 * cached file, so the names show offline too): the most populous places first, how many by
 * zoom (the national view names the ~25 main towns, closer views more), and a label that
 * would overlap one already placed is left out. Labels are DOM text (French names with their
 * accents), readable by the browser and a screen reader, never clickable.
 *
 *   var places = WebmapPlaces.layer(map, url, {pane: "wm-places", zIndex: 450});
 *   places.shown()  -> the names drawn now
 */
(function () {
  "use strict";

  // Number of places in view considered at a zoom (the file is ranked by population).
  function budget(zoom) {
    if (zoom < 7.5) return 25;
    if (zoom < 8.5) return 60;
    if (zoom < 9.5) return 140;
    if (zoom < 10.5) return 300;
    return Infinity;
  }

  var CHAR_PX = 7.2; // average width of a character at the labels' size, for the overlap test
  var HEIGHT_PX = 16;
  var GAP_PX = 4;
  var OFFSET_PX = 12; // the name sits under its place's dot, clear of a marker drawn there

  function overlaps(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }

  function layer(map, url, options) {
    options = options || {};
    var paneName = options.pane || "wm-places";
    if (!map.getPane(paneName)) {
      var pane = map.createPane(paneName);
      pane.style.zIndex = String(options.zIndex || 450);
      pane.style.pointerEvents = "none";
      pane.dataset.layer = "places";
    }
    var group = L.layerGroup();
    var features = null;
    var names = [];

    function draw() {
      if (!features || !map.hasLayer(group)) return;
      var zoom = map.getZoom();
      var max = budget(zoom);
      var bounds = map.getBounds().pad(0.05);
      var placed = [];
      var chosen = [];
      var considered = 0; // places in view, the most populous first: a zoomed-in phone names its own area's towns
      for (var i = 0; i < features.length && considered < max; i++) {
        var f = features[i];
        var c = f.geometry.coordinates;
        var latlng = L.latLng(c[1], c[0]);
        if (!bounds.contains(latlng)) continue;
        considered += 1;
        var major = f.properties.rank < 10;
        var point = map.latLngToContainerPoint(latlng);
        var width = f.properties.name.length * CHAR_PX * (major ? 1.08 : 1) + 8;
        var box = {
          left: point.x - width / 2 - GAP_PX, right: point.x + width / 2 + GAP_PX,
          top: point.y + OFFSET_PX - GAP_PX, bottom: point.y + OFFSET_PX + HEIGHT_PX + GAP_PX
        };
        if (placed.some(function (other) { return overlaps(box, other); })) continue;
        placed.push(box);
        chosen.push({ feature: f, latlng: latlng, major: major });
      }
      group.clearLayers();
      names = [];
      chosen.forEach(function (item) {
        var label = document.createElement("span");
        label.className = "wm-place-name" + (item.major ? " wm-place-major" : "");
        label.textContent = item.feature.properties.name;
        label.dataset.population = String(item.feature.properties.population || "");
        names.push(item.feature.properties.name);
        L.marker(item.latlng, {
          pane: paneName, interactive: false, keyboard: false,
          icon: L.divIcon({ className: "wm-place", html: label, iconSize: null })
        }).addTo(group);
      });
      map.getContainer().dataset.places = String(names.length);
    }

    var requested = false;
    group.on("add", function () {
      if (features) { draw(); return; }
      if (requested) return;
      requested = true;
      fetch(url)
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (collection) {
          features = (collection.features || []).filter(function (f) {
            return f.geometry && f.properties && f.properties.name;
          }).sort(function (a, b) { return a.properties.rank - b.properties.rank; });
          draw();
        })
        .catch(function () { requested = false; map.getContainer().dataset.places = "-1"; });
    });
    map.on("zoomend moveend resize", draw);
    group.shown = function () { return names.slice(); };
    return group;
  }

  window.WebmapPlaces = { layer: layer, budget: budget };
})();
