/* Destructive actions ask first: a form[data-confirm]'s link opens a <dialog> (Cancel keeps, the
   action's button posts the form). Without JS the link opens the confirmation page instead. */
(function () {
  "use strict";
  var dialog;

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-title");
    dialog.setAttribute("aria-describedby", "confirm-dialog-detail");
    dialog.innerHTML = '<form method="dialog"><h2 id="confirm-dialog-title"></h2><p id="confirm-dialog-detail"></p>' +
      '<div class="confirm-actions"><button value="confirm" class="danger" data-confirm-yes></button>' +
      '<button value="cancel" class="secondary" autofocus>Cancel</button></div></form>';
    document.body.appendChild(dialog);
    return dialog;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-confirm-open]");
    if (!link || typeof HTMLDialogElement === "undefined") { return; }
    var form = link.closest("form[data-confirm]");
    if (!form) { return; }
    event.preventDefault();
    var box = dialog || build();
    box.querySelector("h2").textContent = form.dataset.confirm;
    box.querySelector("p").textContent = form.dataset.confirmDetail || "";
    box.querySelector("[data-confirm-yes]").textContent = form.dataset.confirmLabel || "Confirm";
    box.returnValue = "";
    box.onclose = function () {
      if (box.returnValue === "confirm") { form.submit(); } else { link.focus(); }
    };
    box.showModal();
  });
})();
