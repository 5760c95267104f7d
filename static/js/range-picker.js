/* The period picker: shows the dates for a custom range, applies presets,
   grain and filters at once (the state stays in the URL). Works without JS
   through the Apply button. */
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("form[data-range-picker]"), function (form) {
    var preset = form.querySelector("select[name=range]");
    var customs = form.querySelectorAll(".custom-dates");
    function toggle() {
      var custom = preset && preset.value === "custom";
      Array.prototype.forEach.call(customs, function (el) {
        if (custom) { el.removeAttribute("data-hidden"); } else { el.setAttribute("data-hidden", ""); }
      });
    }
    if (preset) { toggle(); }
    Array.prototype.forEach.call(form.querySelectorAll("[data-autosubmit]"), function (select) {
      select.addEventListener("change", function () {
        var other = select.dataset.clears && form.querySelector("[name=" + select.dataset.clears + "]");
        if (other && select.value) { other.value = ""; }
        if (select === preset) {
          toggle();
          if (preset.value === "custom") { var from = form.querySelector("input[name=from]"); if (from) { from.focus(); } return; }
        }
        form.requestSubmit ? form.requestSubmit() : form.submit();
      });
    });
    form.addEventListener("submit", function () {
      // Presets carry no dates: leave them out of the URL.
      if (preset && preset.value !== "custom") {
        Array.prototype.forEach.call(form.querySelectorAll("input[name=from], input[name=to]"), function (el) { el.disabled = true; });
      }
      Array.prototype.forEach.call(form.querySelectorAll("select"), function (el) { if (!el.value) { el.disabled = true; } });
    });
  });
})();
