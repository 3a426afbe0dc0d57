/*
 * webmap client: the server's clusters of the services layer (/api/v1/services/clusters).
 *
 * A view holding more services than the map draws one by one gets, from the server, one
 * feature per grid cell: {cluster: true, count, categories: {code: count}} at the mean of the
 * points counted (for the public, the public points: a confidential shelter counts at its town).
 * map.js puts these markers in the same marker-cluster layer as the services; a browser cluster
 * made of several of them shows the sum of their counts (count() below). A click on a server
 * cluster zooms in around it, which asks the server for that smaller view.
 * Every piece of data reaches the page through textContent or DOM attributes, never innerHTML.
 */
(function () {
  "use strict";

  function isCluster(feature) {
    return Boolean(feature && feature.properties && feature.properties.cluster === true);
  }

  // The services a marker stands for: a server cluster's count, else 1 (one service).
  function count(marker) {
    var n = marker && marker.options ? marker.options.wmCount : null;
    return typeof n === "number" && n > 0 ? n : 1;
  }

  function shortCount(n, lang) {
    if (n < 1000) return String(n);
    try {
      return new Intl.NumberFormat(lang, { notation: "compact", maximumFractionDigits: n < 10000 ? 1 : 0 }).format(n);
    } catch (e) {
      return String(n);
    }
  }

  function sizeClass(n) {
    return n < 10 ? "small" : n < 100 ? "medium" : "large";
  }

  var ServerClusterIcon = L.DivIcon.extend({
    options: { html: false, iconSize: [38, 38] },
    createIcon: function (oldIcon) {
      var div = L.DivIcon.prototype.createIcon.call(this, oldIcon);
      var o = this.options;
      var inner = document.createElement("div");
      var span = document.createElement("span");
      span.textContent = shortCount(o.count, o.lang);
      inner.appendChild(span);
      div.replaceChildren(inner);
      div.dataset.count = String(o.count);
      div.dataset.server = "true";
      div.dataset.categories = Object.keys(o.categories || {}).join(",");
      div.title = o.title;
      return div;
    }
  });

  // ctx: {map, lang, title(count) → text}
  function marker(feature, ctx) {
    var p = feature.properties;
    var c = feature.geometry.coordinates;
    var title = ctx.title(p.count);
    var m = L.marker([c[1], c[0]], {
      icon: new ServerClusterIcon({
        count: p.count,
        categories: p.categories,
        lang: ctx.lang,
        title: title,
        className: "marker-cluster marker-cluster-" + sizeClass(p.count) + " wm-cluster wm-server-cluster"
      }),
      title: title,
      alt: title,
      keyboard: true,
      wmCount: p.count
    });
    m.on("click", function () {
      var map = ctx.map;
      map.setView(m.getLatLng(), Math.min(map.getZoom() + 2, map.getMaxZoom()));
    });
    return m;
  }

  window.WebmapClusters = { isCluster: isCluster, count: count, marker: marker, shortCount: shortCount };
})();
