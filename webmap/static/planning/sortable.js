/*
 * Tables of class "wp-sortable": every column heading becomes a button that sorts the rows by
 * that column (again: the other way), with aria-sort telling screen readers the order.
 * A cell sorts by its data-sort value when it has one (numbers as the server computed them),
 * else by its text, compared the French way (accents and case ignored). Cells without a value
 * (—) go last in either order. A table split in several <tbody> (the first 10 priorities, then
 * the rest behind a button) keeps its split: the sorted rows are dealt out in the same sizes.
 */
(function () {
  "use strict";

  var collator = new Intl.Collator(document.documentElement.lang || "fr", { sensitivity: "base", numeric: true });

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return null;
    if (cell.hasAttribute("data-sort")) {
      var raw = cell.getAttribute("data-sort");
      var number = Number(raw);
      return raw !== "" && !isNaN(number) ? number : raw;
    }
    var text = cell.textContent.trim();
    return text === "" || text === "—" ? null : text;
  }

  function compare(a, b) {
    if (typeof a === "number" && typeof b === "number") return a - b;
    return collator.compare(String(a), String(b));
  }

  function sortTable(table, index, button) {
    var headings = table.tHead.rows[0].cells;
    var descending = headings[index].getAttribute("aria-sort") === "ascending";
    var bodies = Array.prototype.slice.call(table.tBodies);
    var sizes = bodies.map(function (body) { return body.rows.length; });
    var rows = [];
    bodies.forEach(function (body) { rows = rows.concat(Array.prototype.slice.call(body.rows)); });
    var keyed = rows.map(function (row, position) { return { row: row, value: cellValue(row, index), position: position }; });
    keyed.sort(function (x, y) {
      if (x.value === null || y.value === null) {
        if (x.value === y.value) return x.position - y.position;
        return x.value === null ? 1 : -1;
      }
      var order = compare(x.value, y.value);
      return (descending ? -order : order) || x.position - y.position;
    });
    var next = 0;
    bodies.forEach(function (body, b) {
      for (var i = 0; i < sizes[b]; i += 1) body.appendChild(keyed[next++].row);
    });
    Array.prototype.forEach.call(headings, function (th) { th.removeAttribute("aria-sort"); });
    headings[index].setAttribute("aria-sort", descending ? "descending" : "ascending");
    button.focus();
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.wp-sortable"), function (table) {
    if (!table.tHead) return;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "wp-sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () { sortTable(table, index, button); });
    });
    table.dataset.sortable = "ready";
  });
})();
