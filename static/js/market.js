// The navigation is a <details> menu on phones; on wide screens it stays open.
// Without JavaScript the "Menu" button remains, so the links are always reachable.
(function () {
  document.documentElement.classList.add("js");
  var menu = document.querySelector("details.menu");
  if (!menu || !window.matchMedia) return;
  var wide = window.matchMedia("(min-width: 48rem)");
  function sync() { menu.open = wide.matches; }
  sync();
  wide.addEventListener("change", sync);
  // "More" and the person's menu close when one clicks elsewhere or presses Escape.
  var submenus = document.querySelectorAll("details.submenu");
  function closeOthers(except) {
    for (var i = 0; i < submenus.length; i++) if (submenus[i] !== except) submenus[i].open = false;
  }
  document.addEventListener("click", function (event) {
    var inside = event.target.closest ? event.target.closest("details.submenu") : null;
    closeOthers(inside);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeOthers(null);
  });
})();

// Phones show each table row as a card: every cell is led by its column's header (see market.css).
(function () {
  var tables = document.querySelectorAll("table");
  for (var t = 0; t < tables.length; t++) {
    var headerRow = tables[t].querySelector("thead tr");
    if (!headerRow) continue;
    var labels = [];
    var heads = headerRow.children;
    for (var h = 0; h < heads.length; h++) {
      for (var span = heads[h].colSpan || 1; span > 0; span--) labels.push(heads[h].textContent.trim());
    }
    var rows = tables[t].querySelectorAll("tbody tr, tfoot tr");
    for (var r = 0; r < rows.length; r++) {
      var column = 0;
      for (var c = 0; c < rows[r].children.length; c++) {
        var cell = rows[r].children[c];
        if (!cell.hasAttribute("data-label") && labels[column]) cell.setAttribute("data-label", labels[column]);
        column += cell.colSpan || 1;
      }
    }
  }
})();
