/* The small map of a structure's detail page: the offline basemap (basemap.js: country, régions,
   its région's départements, town labels) and the point shown to this visitor — a circle around
   the town for a confidential place. */
(function () {
  "use strict";
  var el = document.getElementById("wd-minimap");
  if (!el || !window.L) { return; }
  var lat = Number(el.dataset.lat), lon = Number(el.dataset.lon);
  var masked = el.dataset.masked === "true";
  var map = L.map(el, {scrollWheelZoom: false, attributionControl: true}).setView([lat, lon], masked ? 10 : 12);
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("OCHA ROWCA / CNTIG, COD-AB Côte d'Ivoire (CC BY-IGO)");
  L.control.scale({imperial: false}).addTo(map);
  if (masked) {
    L.circle([lat, lon], {radius: 3000, color: el.dataset.color, weight: 2, dashArray: "5 4", fillOpacity: 0.12})
      .bindTooltip(el.dataset.labelArea).addTo(map);
  } else {
    L.circleMarker([lat, lon], {radius: 9, color: "#fff", weight: 2, fillColor: el.dataset.color, fillOpacity: 1})
      .addTo(map);
  }
  var base = window.WebmapBasemap;
  if (!base) { el.dataset.ready = "true"; return; }
  base.panes(map);
  var areas = el.dataset.boundariesUrl;
  var region = el.dataset.region;
  var loads = [
    base.areas(map, areas + "?level=0&simplify=0.002", "country",
               {color: "#17324d", weight: 2, fill: true, fillColor: "#f7f7f2", fillOpacity: 1}),
    base.areas(map, areas + "?level=1&simplify=0.002", "regions", {color: "#8795a3", weight: 1.6, fill: false}),
    base.towns(map, el.dataset.townsUrl)
  ];
  if (region) {  // the départements of its région, finer lines
    loads.push(base.areas(map, areas + "?level=2&simplify=0.002&parent=" + encodeURIComponent(region), "regions",
                          {color: "#5f6b77", weight: 0.8, dashArray: "4 3", fill: false}));
  }
  Promise.all(loads).then(function () { el.dataset.ready = "true"; }, function () { el.dataset.ready = "error"; });
}());
