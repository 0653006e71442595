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
})();
