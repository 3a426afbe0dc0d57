/*
 * Planning overlays (layers/planning.py): campaign coverage, at-risk zones, service desert.
 *
 *   webmapPlanningOverlays.handles(kind)        -> true for "campaigns", "risk_zones", "service_desert"
 *   webmapPlanningOverlays.layer(def, map, cb)  -> a Leaflet layer that fetches def.url when added
 *
 * `def` is one entry of layers.planning.client_config(): id, kind, url, zIndex, tooltip and the
 * style data of its kind (channels, levels, desert, campaignOpacity), labels and messages.
 * Campaigns: fill colour by channel, fill opacity by recency. At-risk zones: hatched by level
 * (SVG patterns). Text from the data is always inserted as text, never as HTML.
 * `cb` (optional): { loaded: function (def, count) {}, failed: function (def, error) {} }.
 */
(function () {
  "use strict";

  var KINDS = ["campaigns", "risk_zones", "service_desert"];
  var SVG_NS = "http://www.w3.org/2000/svg";

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function row(dl, label, value) {
    if (value === undefined || value === null || value === "") return;
    dl.appendChild(el("dt", label));
    dl.appendChild(el("dd", value));
  }

  // "2026-12-04" → "4 décembre 2026" (or "4 December 2026"); anything else as it is.
  function formatDate(value, lang) {
    if (!value || !/^\d{4}-\d{2}-\d{2}/.test(String(value))) return value;
    try {
      return new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "fr-FR",
        { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" })
        .format(new Date(String(value).slice(0, 10) + "T00:00:00Z"));
    } catch (e) {
      return value;
    }
  }

  function formatNumber(value, lang) {
    try { return Number(value).toLocaleString(lang === "en" ? "en-GB" : "fr-FR"); } catch (e) { return String(value); }
  }

  // ---- hatch patterns for the at-risk zones (one per level, in the layer's own SVG) ----------

  function ensureHatches(svg, levels) {
    if (!svg || svg.querySelector("defs[data-planning-hatches]")) return;
    var defs = document.createElementNS(SVG_NS, "defs");
    defs.setAttribute("data-planning-hatches", "true");
    Object.keys(levels).forEach(function (level) {
      var item = levels[level];
      var gap = item.spacing || 6;
      var pattern = document.createElementNS(SVG_NS, "pattern");
      pattern.setAttribute("id", "wp-hatch-" + level);
      pattern.setAttribute("patternUnits", "userSpaceOnUse");
      pattern.setAttribute("width", gap);
      pattern.setAttribute("height", gap);
      pattern.setAttribute("patternTransform", "rotate(45)");
      var line = document.createElementNS(SVG_NS, "line");
      line.setAttribute("x1", "0");
      line.setAttribute("y1", "0");
      line.setAttribute("x2", "0");
      line.setAttribute("y2", gap);
      line.setAttribute("stroke", item.color);
      line.setAttribute("stroke-width", level === "3" ? "2.2" : "1.6");
      line.setAttribute("stroke-opacity", "0.85");
      pattern.appendChild(line);
      defs.appendChild(pattern);
    });
    svg.insertBefore(defs, svg.firstChild);
  }

  // ---- styles -----------------------------------------------------------------------------------

  function campaignStyle(def, feature) {
    var p = feature.properties;
    var channel = (def.channels[p.channel] || {}).color || "#555";
    var range = def.campaignOpacity || [0.12, 0.5];
    var recency = typeof p.recency === "number" ? p.recency : 1;
    return {
      color: channel,
      weight: 1,
      opacity: 0.5 + 0.5 * recency,
      fillColor: channel,
      fillOpacity: range[0] + (range[1] - range[0]) * recency,
      dashArray: p.is_demo ? "5 3" : null,
      className: "wp-campaign" + (p.is_demo ? " wp-campaign-demo" : "")
    };
  }

  function riskStyle(def, feature) {
    var level = String(feature.properties.level);
    var item = def.levels[level] || { color: "#c2410c" };
    return {
      color: item.color,
      weight: level === "3" ? 2.2 : 1.4,
      opacity: 0.9,
      fillColor: "url(#wp-hatch-" + level + ")",
      fillOpacity: 1,
      className: "wp-risk wp-risk-" + level
    };
  }

  function desertStyle(def) {
    var s = def.desert;
    return {
      color: s.color,
      weight: 1,
      opacity: 0.8,
      dashArray: s.dashArray,
      fillColor: s.fillColor,
      fillOpacity: s.fillOpacity,
      className: "wp-desert"
    };
  }

  // ---- popups (DOM, text only) --------------------------------------------------------------

  function campaignPopup(def, p) {
    var m = def.messages, lab = def.labels;
    var box = el("div", null, "wp-popup wp-popup-campaign");
    box.dataset.campaignId = p.id || "";
    if (p.is_demo) {
      var badge = el("p", null, "wp-popup-demo");
      badge.appendChild(el("strong", p.demo_label || def.demoLabel, "wp-demo"));
      badge.appendChild(document.createTextNode(" " + m.demoNotice));
      box.appendChild(badge);
    }
    box.appendChild(el("h3", p.name, "wm-popup-title"));
    var dl = el("dl");
    row(dl, m.organization, p.organization);
    row(dl, m.theme, lab.themes[p.theme] || p.theme);
    row(dl, m.channel, lab.channels[p.channel] || p.channel);
    row(dl, m.period, formatDate(p.start_date, def.lang) + " – " + formatDate(p.end_date, def.lang));
    row(dl, m.reached, p.people_reached === null ? null : formatNumber(p.people_reached, def.lang));
    // A demonstration campaign's source is the generator's note (a command name): the DÉMO
    // notice above says what it is.
    if (!p.is_demo) row(dl, m.source, p.source);
    box.appendChild(dl);
    return box;
  }

  function riskPopup(def, p) {
    var m = def.messages;
    var box = el("div", null, "wp-popup");
    box.appendChild(el("h3", p.name));
    var dl = el("dl");
    row(dl, m.kind, def.kinds[p.kind] || p.kind);
    row(dl, m.level, def.labels.levels[String(p.level)] || p.level);
    row(dl, m.criterion, p.criterion);
    row(dl, m.source, p.source);
    row(dl, m.date, formatDate(p.date, def.lang));
    box.appendChild(dl);
    return box;
  }

  function desertPopup(def, p) {
    var m = def.messages;
    var box = el("div", null, "wp-popup");
    box.appendChild(el("h3", m.desert));
    var dl = el("dl");
    row(dl, m.area, formatNumber(Math.round(p.area_km2), def.lang) + " km²");
    row(dl, m.population, formatNumber(p.population_2014, def.lang));
    box.appendChild(dl);
    return box;
  }

  // ---- the layer -----------------------------------------------------------------------------

  function layer(def, map, callbacks) {
    callbacks = callbacks || {};
    var paneName = "wp-pane-" + def.id;
    if (!map.getPane(paneName)) {
      map.createPane(paneName);
      map.getPane(paneName).style.zIndex = String(def.zIndex || 400);
    }
    var renderer = L.svg({ pane: paneName });
    var style, popup;
    if (def.kind === "campaigns") {
      style = function (f) { return campaignStyle(def, f); };
      popup = campaignPopup;
    } else if (def.kind === "risk_zones") {
      style = function (f) { return riskStyle(def, f); };
      popup = riskPopup;
    } else {
      style = function () { return desertStyle(def); };
      popup = desertPopup;
    }
    var group = L.geoJSON(null, {
      pane: paneName,
      renderer: renderer,
      style: style,
      onEachFeature: function (feature, featureLayer) {
        var p = feature.properties || {};
        // As wide as a phone allows, clear of its edges (the service popups do the same).
        featureLayer.bindPopup(function () { return popup(def, p); }, {
          maxWidth: Math.min(340, map.getSize().x - 70),
          minWidth: Math.min(220, map.getSize().x - 90),
          autoPanPadding: [20, 20]
        });
        if (def.tooltip && p[def.tooltip]) {
          featureLayer.bindTooltip(function () { return el("span", p[def.tooltip]); }, { sticky: true });
        }
      }
    });
    group.planningDef = def;
    group.planningState = "idle";
    group.on("add", function () {
      if (def.kind === "risk_zones") ensureHatches(renderer._container, def.levels);
      if (group.planningState !== "idle") return;
      group.planningState = "loading";
      fetch(def.url, { headers: { Accept: "application/geo+json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(def.url + ": HTTP " + response.status);
          return response.json();
        })
        .then(function (collection) {
          var features = collection.features || [];
          if (def.kind === "campaigns") {
            // Older first, so the most recent campaigns are drawn on top.
            features = features.slice().sort(function (a, b) {
              return a.properties.end_date < b.properties.end_date ? -1 : a.properties.end_date > b.properties.end_date ? 1 : 0;
            });
          }
          group.addData({ type: "FeatureCollection", features: features });
          if (def.kind === "risk_zones") ensureHatches(renderer._container, def.levels);
          group.planningState = "loaded";
          group.planningCount = features.length;
          if (callbacks.loaded) callbacks.loaded(def, features.length, collection);
        })
        .catch(function (error) {
          group.planningState = "failed";
          if (callbacks.failed) callbacks.failed(def, error);
        });
    });
    return group;
  }

  // ---- legend section of one overlay (used by the map of "/"; /planning renders its own) -----

  function swatch(style) {
    var span = el("span", null, "wp-legend-swatch");
    span.style.cssText = "display:inline-block;flex:none;width:22px;height:12px;margin-right:6px;" +
      "vertical-align:middle;border-radius:2px;" + style;
    return span;
  }

  function item(swatchStyle, text) {
    var li = el("li");
    li.appendChild(swatch(swatchStyle));
    li.appendChild(el("span", text));
    return li;
  }

  function legendSection(def) {
    var section = el("section");
    section.dataset.layer = def.id;
    section.appendChild(el("h4", def.label));
    var list = el("ul");
    if (def.kind === "campaigns") {
      Object.keys(def.channels).forEach(function (code) {
        var c = def.channels[code];
        list.appendChild(item("background:" + c.color + ";opacity:0.75", c.label));
      });
    } else if (def.kind === "risk_zones") {
      Object.keys(def.levels).forEach(function (level) {
        var l = def.levels[level];
        list.appendChild(item("border:1.5px solid " + l.color + ";background:repeating-linear-gradient(45deg," +
          l.color + " 0 1.5px,transparent 1.5px " + l.spacing + "px)", l.label));
      });
    } else {
      var d = def.desert;
      list.appendChild(item("background:" + d.fillColor + ";opacity:0.6;border:1px dashed " + d.color, d.label));
    }
    section.appendChild(list);
    return section;
  }

  window.webmapPlanningOverlays = {
    kinds: KINDS,
    handles: function (kind) { return KINDS.indexOf(kind) >= 0; },
    layer: layer,
    legendSection: legendSection
  };
})();
