/* The small map of a structure's detail page: its région's départements as an offline basemap,
   and the point shown to this visitor — a circle around the town for a confidential place. */
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
  var region = el.dataset.region;
  if (region) {
    var url = el.dataset.boundariesUrl + "?level=2&simplify=0.002&parent=" + encodeURIComponent(region);
    fetch(url).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      if (!data) { return; }
      var layer = L.geoJSON(data, {
        style: {color: "#5f6b77", weight: 1.2, fill: true, fillColor: "#f7f7f2", fillOpacity: 1},
        interactive: false
      }).addTo(map);
      layer.bringToBack();
      el.dataset.ready = "true";
    }).catch(function () { el.dataset.ready = "error"; });
  } else {
    el.dataset.ready = "true";
  }
}());
