/* The dashboard's collapsible sections: the jump menu opens the section it jumps to, and each section's
   open or closed state is remembered in this browser, per dashboard (the layout's own choice otherwise). */
(function () {
  "use strict";
  var sections = document.querySelectorAll("details.dash-section[data-section]");
  if (!sections.length) return;
  var key = "dash-sections:" + location.pathname;
  var stored = {};
  try { stored = JSON.parse(localStorage.getItem(key) || "{}") || {}; } catch (e) { stored = {}; }
  function save() {
    try { localStorage.setItem(key, JSON.stringify(stored)); } catch (e) { /* private mode: not remembered */ }
  }
  Array.prototype.forEach.call(sections, function (section) {
    var name = section.getAttribute("data-section");
    if (Object.prototype.hasOwnProperty.call(stored, name)) section.open = !!stored[name];
    section.addEventListener("toggle", function () { stored[name] = section.open; save(); });
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-open-section]"), function (link) {
    link.addEventListener("click", function () {
      var section = document.getElementById("section-" + link.getAttribute("data-open-section"));
      if (section) section.open = true;
    });
  });
})();
