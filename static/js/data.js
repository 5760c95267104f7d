// The account list's bulk target-list form: "tick all on this page" and a count of the ticked rows.
(function () {
  "use strict";
  var form = document.getElementById("target-form");
  if (!form) return;
  var all = form.querySelector("[data-check-all]");
  var boxes = Array.prototype.slice.call(form.querySelectorAll('input[name="accounts"]'));
  var count = form.querySelector("[data-selected-count]");

  function update() {
    var ticked = boxes.filter(function (box) { return box.checked; }).length;
    if (count) count.textContent = ticked ? ticked + " ticked" : "";
    if (all) {
      all.checked = ticked > 0 && ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    }
  }

  if (all) {
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
      update();
    });
  }
  boxes.forEach(function (box) { box.addEventListener("change", update); });
  form.addEventListener("submit", function (event) {
    if (!boxes.some(function (box) { return box.checked; })) {
      event.preventDefault();
      if (count) count.textContent = "Tick accounts first.";
    }
  });
  update();
})();
