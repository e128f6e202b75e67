// The class report's heatmap: sort by a column, filter by name and section. The page reads without it.
(function () {
  "use strict";
  var table = document.getElementById("heatmap-table");
  if (!table || !table.tBodies.length) {
    return;
  }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  rows.forEach(function (row, position) {
    row.setAttribute("data-position", String(position));
  });
  var collator = new Intl.Collator(document.documentElement.lang || "en", { numeric: true, sensitivity: "base" });
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);

  function key(row, index, kind) {
    var cell = row.cells[index];
    if (!cell) {
      return null;
    }
    if (kind === "text") {
      return cell.textContent.trim();
    }
    var value = cell.getAttribute("data-v");
    return value === null ? null : parseFloat(value);
  }

  function sortBy(header) {
    var index = header.cellIndex;
    var kind = header.querySelector("button.sort").getAttribute("data-kind");
    var direction = header.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    headers.forEach(function (other) {
      other.removeAttribute("aria-sort");
    });
    header.setAttribute("aria-sort", direction === 1 ? "ascending" : "descending");
    var keyed = rows.map(function (row) {
      return { row: row, key: key(row, index, kind), position: Number(row.getAttribute("data-position")) };
    });
    keyed.sort(function (a, b) {
      // a learner without a value goes last either way
      if (a.key === null || b.key === null) {
        return (a.key === null) - (b.key === null) || a.position - b.position;
      }
      var order = kind === "text" ? collator.compare(a.key, b.key) : a.key - b.key;
      return order * direction || a.position - b.position;
    });
    var fragment = document.createDocumentFragment();
    keyed.forEach(function (entry) {
      fragment.appendChild(entry.row);
    });
    body.appendChild(fragment);
  }

  headers.forEach(function (header) {
    var button = header.querySelector("button.sort");
    if (button) {
      button.addEventListener("click", function () {
        sortBy(header);
      });
    }
  });

  var controls = document.getElementById("heatmap-controls");
  var nameFilter = document.getElementById("name-filter");
  var sectionFilter = document.getElementById("section-filter");
  var shown = document.getElementById("shown-count");

  function filter() {
    var text = nameFilter.value.trim().toLowerCase();
    var section = sectionFilter ? sectionFilter.value : "all";
    var count = 0;
    rows.forEach(function (row) {
      var visible =
        (!text || row.cells[0].textContent.toLowerCase().indexOf(text) !== -1) &&
        (section === "all" || row.getAttribute("data-section") === section);
      row.hidden = !visible;
      count += visible ? 1 : 0;
    });
    shown.textContent = shown
      .getAttribute("data-template")
      .replace("{shown}", String(count))
      .replace("{total}", String(rows.length));
  }

  nameFilter.addEventListener("input", filter);
  if (sectionFilter) {
    sectionFilter.addEventListener("change", filter);
  }
  controls.hidden = false;
  filter();

  // a cell's tooltip names the learner and the column, for a reader who points at it
  body.addEventListener("mouseover", function (event) {
    var cell = event.target.closest ? event.target.closest("td") : null;
    if (!cell || cell.title) {
      return;
    }
    var header = headers[cell.cellIndex];
    var label = cell.getAttribute("aria-label") || cell.textContent;
    cell.title = cell.parentNode.cells[0].textContent.trim() + " — " + (header.title || header.textContent.trim()) + ": " + label;
  });
})();

// a link into a closed <details> (a question to review, a quiz) opens it
(function () {
  "use strict";
  function reveal() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id ? document.getElementById(id) : null;
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") {
        node.open = true;
      }
    }
    if (target) {
      target.scrollIntoView();
    }
  }
  window.addEventListener("hashchange", reveal);
  reveal();
})();
