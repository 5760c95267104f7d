// Progress of a CSV import: polls the job's status JSON and reloads the page when it has finished.
(function () {
  "use strict";
  var bar = document.getElementById("import-progress");
  if (!bar) return;
  var url = bar.getAttribute("data-status-url");
  var text = document.querySelector("[data-progress-text]");
  var label = document.querySelector("[data-status-label]");
  var delay = 800;
  var failures = 0;

  function show(status) {
    bar.value = status.percent;
    bar.textContent = status.percent + "%";
    if (label) label.textContent = status.status_label;
    if (!text) return;
    if (status.status === "writing") {
      text.textContent = "Saving " + status.total_rows.toLocaleString() + " rows…";
    } else if (status.status === "queued") {
      text.textContent = "Waiting for a worker…";
    } else {
      text.textContent = status.status_label + ": " + status.processed_rows.toLocaleString() + " of " +
        status.total_rows.toLocaleString() + " rows checked.";
    }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (status) {
        failures = 0;
        show(status);
        if (status.finished) {
          window.location.reload();
        } else {
          delay = Math.min(delay * 1.2, 3000);
          window.setTimeout(poll, delay);
        }
      })
      .catch(function () {
        failures += 1;
        if (text && failures > 3) text.textContent = "Cannot reach the server; retrying…";
        window.setTimeout(poll, Math.min(2000 * failures, 15000));
      });
  }

  window.setTimeout(poll, delay);
})();
