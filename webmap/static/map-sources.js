/*
 * The credits of a map in one line: the short names of the sources of the visible layers
 * (layers/catalogue.py, `short`), and a "Sources" button showing their full text and links.
 * Replaces Leaflet's attribution control, whose text wrapped over the scale bar on a phone.
 *
 *   var sources = WebmapSources.control(map, {label: "Sources", position: "bottomright"});
 *   sources.set([{text, short, url}, ...]);   // the attributions to credit now (deduplicated)
 *
 * The control keeps Leaflet's class (leaflet-control-attribution); the full list opens above
 * the line (a popover), so the line itself never grows. Text only, never HTML.
 */
(function () {
  "use strict";

  var counter = 0;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  var SourcesControl = L.Control.extend({
    options: { position: "bottomright", label: "Sources", prefix: "Leaflet" },

    onAdd: function (map) {
      counter += 1;
      var box = el("div", "leaflet-control-attribution leaflet-control wm-sources");
      var line = el("div", "wm-sources-line");
      this._short = el("span", "wm-sources-short");
      this._button = el("button", "wm-sources-toggle", this.options.label);
      this._button.type = "button";
      this._button.setAttribute("aria-expanded", "false");
      var panelId = "wm-sources-" + counter;
      this._button.setAttribute("aria-controls", panelId);
      this._panel = el("div", "wm-sources-full");
      this._panel.id = panelId;
      this._panel.hidden = true;
      this._list = el("ul");
      this._panel.appendChild(this._list);
      line.appendChild(this._short);
      line.appendChild(this._button);
      box.appendChild(this._panel);
      box.appendChild(line);
      var self = this;
      this._button.addEventListener("click", function () { self.toggle(); });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      this._box = box;
      this._map = map;
      this._render();
      this._fitHandler = this._fit.bind(this);
      map.on("resize", this._fitHandler);
      setTimeout(this._fitHandler, 0);
      return box;
    },

    onRemove: function (map) {
      map.off("resize", this._fitHandler);
    },

    // One line, beside the bottom-left controls (the scale): as wide as the room left.
    _fit: function () {
      if (!this._map || !this._box) return;
      var map = this._map;
      var line = this._box.querySelector(".wm-sources-line").getBoundingClientRect();
      var left = 0;
      // Only the bottom-left controls beside the line (the scale), not those stacked above it.
      map.getContainer().querySelectorAll(".leaflet-bottom.leaflet-left .leaflet-control").forEach(function (c) {
        var r = c.getBoundingClientRect();
        if (r.height && r.bottom > line.top && r.top < line.bottom) left = Math.max(left, r.width + 10);
      });
      this._box.style.maxWidth = Math.max(90, map.getSize().x - left - 24) + "px";
    },

    toggle: function (open) {
      var show = open === undefined ? this._panel.hidden : Boolean(open);
      this._panel.hidden = !show;
      this._button.setAttribute("aria-expanded", show ? "true" : "false");
      this._box.classList.toggle("wm-sources-open", show);
    },

    set: function (attributions) {
      var seen = {};
      this._items = (attributions || []).filter(function (a) {
        if (!a || !a.text || seen[a.text]) return false;
        seen[a.text] = true;
        return true;
      });
      if (this._box) { this._render(); this._fit(); }
      return this;
    },

    _render: function () {
      var items = this._items || [];
      var shorts = [];
      items.forEach(function (a) {
        var s = a.short || a.text;
        if (shorts.indexOf(s) < 0) shorts.push(s);
      });
      this._short.textContent = shorts.join(" · ");
      this._short.title = shorts.join(" · ");
      var list = this._list;
      list.textContent = "";
      items.forEach(function (a) {
        var li = el("li");
        if (a.url) {
          var link = el("a", null, a.text);
          link.href = a.url;
          link.rel = "noopener";
          link.target = "_blank";
          li.appendChild(link);
        } else {
          li.textContent = a.text;
        }
        list.appendChild(li);
      });
      if (this.options.prefix) list.appendChild(el("li", "wm-sources-prefix", this.options.prefix));
    }
  });

  window.WebmapSources = {
    control: function (map, options) {
      if (map.attributionControl) {
        map.attributionControl.remove();
        map.attributionControl = null;
      }
      var control = new SourcesControl(options || {});
      control.addTo(map);
      return control;
    }
  };
})();
