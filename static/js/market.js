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

// Forms that help: a folded panel (<details>) holding a field in error opens itself, and a page whose
// form came back with errors lists them all at the top (where the template has no summary of its own),
// each linking to its field.
(function () {
  var invalid = document.querySelectorAll(".has-error");
  if (!invalid.length) return;
  for (var i = 0; i < invalid.length; i++) {
    for (var node = invalid[i].parentElement; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
  }
  var summary = document.querySelector("[data-test=error-summary]");
  if (!summary) {
    summary = document.createElement("div");
    summary.className = "flash flash-error";
    summary.setAttribute("role", "alert");
    summary.setAttribute("data-test", "error-summary");
    var lead = document.createElement("p");
    lead.textContent = document.body.getAttribute("data-error-lead");
    var list = document.createElement("ul");
    for (var j = 0; j < invalid.length; j++) {
      var label = invalid[j].querySelector("label, legend");
      var control = invalid[j].querySelector("input, select, textarea");
      var errors = invalid[j].querySelectorAll(".errors li");
      for (var k = 0; k < errors.length; k++) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = "#" + (control ? control.id : "");
        var name = label ? label.cloneNode(true) : null;
        if (name) {
          var marks = name.querySelectorAll(".required, .visually-hidden");
          for (var m = 0; m < marks.length; m++) marks[m].remove();
        }
        link.textContent = name ? name.textContent.trim() : "";
        item.appendChild(link);
        item.appendChild(document.createTextNode(": " + errors[k].textContent.trim()));
        list.appendChild(item);
      }
    }
    summary.appendChild(lead);
    summary.appendChild(list);
    var main = document.getElementById("main");
    main.insertBefore(summary, main.querySelector("h1") ? main.querySelector("h1").nextSibling : main.firstChild);
  }
  summary.setAttribute("tabindex", "-1");
  summary.focus();
})();

// Long lists (communities grouped by district and street, organizations, requests) and every multiple
// choice become type-to-filter pickers (Tom Select, static/vendor): no Ctrl-click, no scrolling 525 rows.
(function () {
  if (typeof TomSelect === "undefined") return;
  var words = document.body.dataset;
  var selects = document.querySelectorAll("select");
  for (var i = 0; i < selects.length; i++) {
    var select = selects[i];
    if (!(select.multiple || select.options.length > 20) || select.closest("form.filters")) continue;
    // The picker is what people (and screen readers) use; the hidden select only carries the value.
    select.setAttribute("aria-hidden", "true");
    new TomSelect(select, {
      plugins: select.multiple ? ["remove_button"] : [],
      maxOptions: null,
      searchField: ["text", "optgroup"],
      hidePlaceholder: true,
      placeholder: words.filterPlaceholder,
      render: {
        no_results: function () {
          var empty = document.createElement("div");
          empty.className = "no-results";
          empty.textContent = words.filterNone;
          return empty;
        }
      }
    });
  }
})();

// A leader recording a problem may add the phone's position (only if they allow it): it fills the
// form's hidden latitude and longitude; nothing is sent anywhere else, and no map is drawn.
document.addEventListener("DOMContentLoaded", function () {
  var button = document.querySelector("[data-geolocate]");
  if (!button || !navigator.geolocation) { if (button) button.hidden = true; return; }
  var status = document.querySelector("[data-geolocate-status]");
  button.addEventListener("click", function () {
    navigator.geolocation.getCurrentPosition(function (position) {
      button.form.querySelector("[name=latitude]").value = position.coords.latitude.toFixed(6);
      button.form.querySelector("[name=longitude]").value = position.coords.longitude.toFixed(6);
      if (status) status.textContent = button.getAttribute("data-done");
    }, function () {
      if (status) status.textContent = button.getAttribute("data-failed");
    }, {timeout: 10000, maximumAge: 60000});
  });
});
