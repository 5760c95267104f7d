/* The workspace navigation's menu button at phone widths, and the workspace switcher's search.
   Without JS the navigation wraps and the switcher is a plain list. */
(function () {
  "use strict";

  var nav = document.querySelector("[data-nav]");
  var toggle = nav && nav.querySelector(".nav-toggle");
  if (toggle) {
    nav.setAttribute("data-collapsible", "");
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      if (open) { nav.setAttribute("data-open", ""); } else { nav.removeAttribute("data-open"); }
    });
    nav.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") { toggle.click(); toggle.focus(); }
    });
  }

  var switcher = document.querySelector("[data-switcher]");
  if (switcher) {
    var search = switcher.querySelector(".switcher-search");
    var input = search && search.querySelector("input");
    var count = search && search.querySelector("#switcher-count");
    var items = switcher.querySelectorAll("li[data-name]");
    if (input && items.length > 1) {
      search.hidden = false;
      input.addEventListener("input", function () {
        var words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
        var shown = 0;
        Array.prototype.forEach.call(items, function (item) {
          var name = item.dataset.name;
          var match = words.every(function (word) { return name.indexOf(word) !== -1; });
          item.hidden = !match;
          if (match) { shown += 1; }
        });
        count.textContent = words.length ? shown + (shown === 1 ? " workspace" : " workspaces") : "";
      });
      // Enter opens the only (or first) workspace left.
      input.addEventListener("keydown", function (event) {
        if (event.key !== "Enter") { return; }
        var first = switcher.querySelector("li[data-name]:not([hidden]) a");
        if (first) { event.preventDefault(); first.click(); }
      });
      switcher.addEventListener("toggle", function () { if (switcher.open) { input.focus(); } });
    }
    switcher.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && switcher.open) { switcher.open = false; switcher.querySelector("summary").focus(); }
    });
  }
})();
