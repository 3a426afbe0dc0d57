/* The position picker of the structure form: click the map, pick a gazetteer town, or type the
   coordinates — the three stay in step. Works offline: the boundaries are the basemap. */
(function () {
  "use strict";
  var el = document.getElementById("wd-picker-map");
  var latInput = document.getElementById("lat");
  var lonInput = document.getElementById("lon");
  var townInput = document.getElementById("town");
  var precision = document.getElementById("precision");
  if (!el || !window.L || !window.WebmapBasemap || !latInput || !lonInput) { return; }

  var COUNTRY = [[4.34, -8.61], [10.74, -2.49]];
  var map = L.map(el, {attributionControl: true}).fitBounds(COUNTRY);
  L.control.scale({imperial: false}).addTo(map);
  // The credits in one line, the full text behind "Sources" (static/map-sources.js).
  var credits = [
    {text: "OCHA ROWCA / CNTIG, COD-AB Côte d'Ivoire (CC BY-IGO)", short: "OCHA COD-AB",
     url: "https://data.humdata.org/dataset/cod-ab-civ"},
    {text: "GeoNames (CC BY 4.0)", short: "GeoNames", url: "https://www.geonames.org/"}
  ];
  if (window.WebmapSources) {
    window.WebmapSources.control(map, {label: el.dataset.sourcesLabel || "Sources"}).set(credits);
  } else {
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(credits.map(function (c) { return c.text; }).join(" · "));
  }
  var marker = null;

  var base = window.WebmapBasemap;
  base.panes(map);
  var areas = el.dataset.boundariesUrl;
  Promise.all([
    base.areas(map, areas + "?level=0&simplify=0.005", "country",
               {color: "#17324d", weight: 2, fill: true, fillColor: "#f7f7f2", fillOpacity: 1}),
    base.areas(map, areas + "?level=1&simplify=0.005", "regions", {color: "#8795a3", weight: 1.2, fill: false}),
    base.towns(map, el.dataset.townsUrl)
  ]).then(function () { el.dataset.ready = "true"; }, function () { el.dataset.ready = "error"; });

  function number(input) {
    var text = (input.value || "").replace(",", ".").trim();
    return text === "" ? NaN : Number(text);
  }

  function place(lat, lon, zoom) {
    if (marker) {
      marker.setLatLng([lat, lon]);
    } else {
      marker = L.marker([lat, lon], {draggable: true, keyboard: true}).addTo(map);
      marker.on("dragend", function () {
        var p = marker.getLatLng();
        setInputs(p.lat, p.lng, "exact");
      });
    }
    if (zoom) { map.setView([lat, lon], Math.max(map.getZoom(), zoom)); }
  }

  function setInputs(lat, lon, precisionValue) {
    latInput.value = lat.toFixed(6);
    lonInput.value = lon.toFixed(6);
    if (precision && precisionValue) { precision.value = precisionValue; }
  }

  map.on("click", function (event) {
    setInputs(event.latlng.lat, event.latlng.lng, "exact");
    place(event.latlng.lat, event.latlng.lng);
  });

  function fromInputs() {
    var lat = number(latInput), lon = number(lonInput);
    if (isFinite(lat) && isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) { place(lat, lon, 11); }
  }
  latInput.addEventListener("change", fromInputs);
  lonInput.addEventListener("change", fromInputs);
  fromInputs();

  // Gazetteer search (accent-insensitive on the server).
  var search = document.getElementById("place-search");
  var results = document.getElementById("place-results");
  var timer = null;
  function show(items) {
    results.textContent = "";
    if (!items.length) {
      var li = document.createElement("li");
      li.className = "wd-muted";
      li.style.padding = "0.35rem 0.5rem";
      li.textContent = search.dataset.noResult;
      results.appendChild(li);
      return;
    }
    items.forEach(function (item) {
      var li = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.dataset.placeId = item.id;
      var areas = [item.departement, item.region].filter(Boolean).join(", ");
      button.textContent = item.name + (areas ? " — " + areas : "");
      button.addEventListener("click", function () {
        setInputs(item.lat, item.lon, "town");
        if (townInput) { townInput.value = item.name; }
        place(item.lat, item.lon, 12);
        results.textContent = "";
        search.value = item.name;
      });
      li.appendChild(button);
      results.appendChild(li);
    });
  }
  if (search) {
    search.addEventListener("input", function () {
      clearTimeout(timer);
      var q = search.value.trim();
      if (q.length < 2) { results.textContent = ""; return; }
      timer = setTimeout(function () {
        fetch(el.dataset.placesUrl + "?limit=8&q=" + encodeURIComponent(q))
          .then(function (r) { return r.ok ? r.json() : {results: []}; })
          .then(function (data) { if (search.value.trim() === q) { show(data.results || []); } })
          .catch(function () { show([]); });
      }, 250);
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {  // choose the first town instead of submitting the form
        event.preventDefault();
        var first = results.querySelector("button");
        if (first) { first.click(); }
      }
    });
  }

  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
}());
