/* /print: keep the preview and the download links in step with the options (no dependencies). */
(function () {
  "use strict";

  var form = document.getElementById("print-options");
  if (!form) { return; }
  var endpoints = JSON.parse(form.getAttribute("data-endpoints"));
  var previewWidth = form.getAttribute("data-preview-width");
  var preview = document.getElementById("print-preview");
  var status = document.getElementById("print-status");
  var links = {
    pdf: document.getElementById("print-pdf"),
    png: document.getElementById("print-png"),
    atlas: document.getElementById("print-atlas")
  };
  var downloads = {
    pdf: document.getElementById("print-pdf-download"),
    png: document.getElementById("print-png-download"),
    atlas: document.getElementById("print-atlas-download")
  };
  var timer = null;

  function params() {
    var data = new FormData(form);
    var out = new URLSearchParams();
    var categories = data.getAll("category");
    ["extent", "paper", "orientation", "lang", "table"].forEach(function (name) {
      var value = data.get(name);
      if (value !== null && value !== "") { out.set(name, value); }
    });
    if (categories.length) { out.set("category", categories.join(",")); }
    return out;
  }

  function withParams(url, query) {
    var text = query.toString();
    return text ? url + "?" + text : url;
  }

  // "Ouvrir" shows the file in the browser; "Télécharger" saves it (download=1: attachment).
  function setLinks(kind, endpoint, query) {
    links[kind].href = withParams(endpoint, query);
    var saved = new URLSearchParams(query);
    saved.set("download", "1");
    downloads[kind].href = withParams(endpoint, saved);
  }

  function setStatus(text) {
    status.textContent = text || "";
  }

  function refresh() {
    var query = params();
    var atlasQuery = new URLSearchParams(query);
    atlasQuery.delete("extent");
    setLinks("pdf", endpoints.pdf, query);
    setLinks("png", endpoints.png, query);
    setLinks("atlas", endpoints.atlas, atlasQuery);
    var previewQuery = new URLSearchParams(query);
    previewQuery.set("width", previewWidth);
    var src = withParams(endpoints.png, previewQuery);
    if (preview.getAttribute("src") !== src) {
      setStatus(preview.getAttribute("data-loading"));
      preview.classList.add("wm-loading");
      preview.setAttribute("src", src);
    }
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", withParams(window.location.pathname, query));
    }
  }

  preview.addEventListener("load", function () {
    preview.classList.remove("wm-loading");
    setStatus("");
    form.dataset.previewReady = "true";
  });
  preview.addEventListener("error", function () {
    preview.classList.remove("wm-loading");
    setStatus(preview.getAttribute("data-error"));
  });
  form.addEventListener("change", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 250);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    refresh();
  });
  if (preview.complete && preview.naturalWidth > 0) { form.dataset.previewReady = "true"; }
}());
