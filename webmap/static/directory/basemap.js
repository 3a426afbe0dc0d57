/* The offline basemap of the directory's small maps (position picker, detail minimap): the
   country's fill at the bottom, the région (and département) outlines above it, and the towns of
   the gazetteer as labels, the most populous first — the map reads without any tile.
   Each layer has its own pane, so the order does not depend on which answer arrives first. */
(function () {
  "use strict";
  var PANES = {country: 350, regions: 360, towns: 390};  // below the points (overlay pane, 400)

  function panes(map) {
    Object.keys(PANES).forEach(function (name) {
      var pane = map.createPane("wd-" + name);
      pane.style.zIndex = String(PANES[name]);
      pane.dataset.layer = name;
      if (name === "towns") { pane.style.pointerEvents = "none"; }
    });
  }

  function geojson(url) {
    return fetch(url).then(function (r) { return r.ok ? r.json() : null; });
  }

  function areas(map, url, paneName, style) {
    return geojson(url).then(function (data) {
      if (data) { L.geoJSON(data, {style: style, interactive: false, pane: "wd-" + paneName}).addTo(map); }
      return data;
    });
  }

  // Town labels: how many by zoom (the largest towns first), reloaded as the map moves.
  function towns(map, url) {
    var group = L.layerGroup().addTo(map);
    var pending = 0;
    function load() {
      var b = map.getBounds();
      var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(4); });
      var zoom = map.getZoom();
      var limit = zoom <= 7 ? 15 : zoom <= 9 ? 30 : 60;
      var ticket = ++pending;
      return geojson(url + "?limit=" + limit + "&bbox=" + bbox.join(",")).then(function (data) {
        if (!data || ticket !== pending) { return; }
        group.clearLayers();
        var placed = [];  // the boxes of the names drawn: a name that would cover one is left out
        data.features.forEach(function (f, i) {
          var c = f.geometry.coordinates;
          var point = map.latLngToContainerPoint([c[1], c[0]]);
          var half = f.properties.name.length * 3.4 + 6;  // ~6.8 px a character at 11–12 px
          var box = {left: point.x - half, right: point.x + half, top: point.y - 10, bottom: point.y + 10};
          if (placed.some(function (o) {
            return box.left < o.right && o.left < box.right && box.top < o.bottom && o.top < box.bottom;
          })) { return; }
          placed.push(box);
          var label = document.createElement("span");
          label.textContent = f.properties.name;
          label.className = "wd-town-name" + (i < 5 ? " wd-town-major" : "");
          L.marker([c[1], c[0]], {
            pane: "wd-towns", interactive: false, keyboard: false,
            icon: L.divIcon({className: "wd-town-label", html: label, iconSize: null})
          }).addTo(group);
        });
        map.getContainer().dataset.towns = String(placed.length);
      });
    }
    map.on("moveend", load);
    return load();
  }

  window.WebmapBasemap = {panes: panes, areas: areas, towns: towns};
}());
