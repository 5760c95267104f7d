// Copy buttons: a button with data-copy="<id>" copies the text of the element with that id.
// The buttons are rendered hidden and shown only here, so without JavaScript the page has none.
(function () {
  "use strict";
  var status = document.getElementById("copy-status");

  function say(message) {
    if (status) { status.textContent = ""; window.setTimeout(function () { status.textContent = message; }, 50); }
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) { return navigator.clipboard.writeText(text); }
    // Plain http (a local server): the older selection-based copy.
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text; area.setAttribute("readonly", ""); area.style.position = "absolute"; area.style.left = "-9999px";
      document.body.appendChild(area); area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy refused")); }
    });
  }

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      copyText(source.textContent).then(function () {
        button.textContent = "Copied";
        say("Copied to the clipboard.");
        window.setTimeout(function () { button.textContent = "Copy"; }, 2000);
      }, function () {
        say("Could not copy: select the text and copy it by hand.");
      });
    });
  });
})();
