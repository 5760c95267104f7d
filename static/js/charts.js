/* Draws every <figure data-chart-url> with Chart.js 4 from its JSON view
   ({labels, datasets} from django-chartjs, each dataset with its unit and axis),
   and writes the same numbers as a table behind the chart. Labels and the range
   come from the server already written in the workspace's locale. No framework. */
(function () {
  "use strict";

  var NULL = "\u2014";

  // Numbers in the workspace's locale (its number format setting), as on the server-rendered cards.
  function numberFormat(locale, options) {
    try { return new Intl.NumberFormat(locale || "en-US", options); } catch (e) { return new Intl.NumberFormat("en-US", options); }
  }

  function formatter(unit, currency, compact, locale) {
    if (unit === "money") {
      var options = { style: "currency", currency: currency || "USD" };
      if (compact) { options.notation = "compact"; options.maximumFractionDigits = 1; }
      var money;
      try { money = numberFormat(locale, options); } catch (e) { money = numberFormat(locale, {}); }
      return function (v) { return money.format(v); };
    }
    if (unit === "rate") {
      var rate = numberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
      if (!compact) { return function (v) { return rate.format(v * 100) + " %"; }; }
      // Axis ticks: as many decimals as the step between ticks needs, so 0.1 %, 0.2 % … are not all "0 %".
      var axis = [0, 1, 2, 3].map(function (digits) { return numberFormat(locale, { maximumFractionDigits: digits }); });
      return function (v, index, ticks) {
        var step = ticks && ticks.length > 1 ? Math.abs(ticks[1].value - ticks[0].value) * 100 : 1;
        var digits = step >= 1 ? 0 : step >= 0.1 ? 1 : step >= 0.01 ? 2 : 3;
        return axis[digits].format(v * 100) + " %";
      };
    }
    if (unit === "days") {
      var days = numberFormat(locale, { minimumFractionDigits: compact ? 0 : 1, maximumFractionDigits: compact ? 0 : 1 });
      return function (v) { return days.format(v) + " d"; };
    }
    var number = numberFormat(locale, { maximumFractionDigits: unit === "count" ? 0 : 2 });
    return function (v) { return number.format(v); };
  }

  function buildTable(figure, json, formats) {
    var wrap = figure.querySelector(".chart-data .table-wrap");
    if (!wrap) { return; }
    var table = document.createElement("table");
    var caption = document.createElement("caption");
    caption.className = "visually-hidden";
    caption.textContent = json.title + " (" + json.range_label + ")";
    table.appendChild(caption);
    var head = table.createTHead().insertRow();
    var first = document.createElement("th");
    first.scope = "col";
    first.textContent = json.grain ? "Period" : "";
    head.appendChild(first);
    json.datasets.forEach(function (d) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = d.label;  // a forecast's columns say so: "Leads forecast (model)", "…, 80 % low"
      if (d.band || d.forecast) { th.dataset.forecast = ""; }
      head.appendChild(th);
    });
    var body = table.createTBody();
    json.labels.forEach(function (label, i) {
      var row = body.insertRow();
      var th = document.createElement("th");
      th.scope = "row";
      th.textContent = label;
      row.appendChild(th);
      json.datasets.forEach(function (d, j) {
        var v = d.data[i];
        row.insertCell().textContent = v === null || v === undefined ? NULL : formats[j](v);
      });
    });
    wrap.textContent = "";
    wrap.appendChild(table);
    // What "—" means in each column that has one: a KPI undefined without its data (a gap in the chart).
    json.datasets.forEach(function (d) {
      if (!d.gap_note) { return; }
      var note = document.createElement("p");
      note.className = "muted small chart-gaps";
      note.textContent = NULL + " " + d.gap_note;
      wrap.appendChild(note);
    });
  }

  // A category label that fits `max` characters a line: wrapped at spaces onto two lines at most, the rest
  // shortened with "…" (the tooltip and the data table keep the full name).
  function fitLabel(label, max) {
    label = String(label);
    if (label.length <= max) { return label; }
    var lines = [""];
    label.split(/\s+/).forEach(function (word) {
      var last = lines.length - 1;
      if (!lines[last]) { lines[last] = word; } else if ((lines[last] + " " + word).length <= max) { lines[last] += " " + word; } else { lines.push(word); }
    });
    if (lines.length > 2) { lines = [lines[0], lines.slice(1).join(" ")]; }
    return lines.map(function (line) { return line.length > max ? line.slice(0, max - 1) + "\u2026" : line; });
  }

  var NOTE_LINE = "#c2255c", NOTE_BAND = "rgba(194, 37, 92, 0.10)";

  // The workspace's annotations on a time chart: a dashed line for a note on one period, a band for a
  // longer one, each numbered as in the list under the chart (the same text, for every reader).
  function notesPlugin(notes) {
    return {
      id: "pulseNotes",
      beforeDatasetsDraw: function (chart) {
        var x = chart.scales.x, area = chart.chartArea, ctx = chart.ctx;
        if (!x || !area) { return; }
        var step = chart.data.labels.length > 1 ? Math.abs(x.getPixelForValue(1) - x.getPixelForValue(0)) : area.right - area.left;
        ctx.save();
        notes.forEach(function (note, n) {
          if (note.from_index === undefined) { return; }
          var left = x.getPixelForValue(note.from_index), right = x.getPixelForValue(note.to_index);
          if (note.ends_on && note.to_index > note.from_index) {
            ctx.fillStyle = NOTE_BAND;
            ctx.fillRect(left - step / 2, area.top, right - left + step, area.bottom - area.top);
          }
          ctx.strokeStyle = NOTE_LINE;
          ctx.lineWidth = 1.5;
          ctx.setLineDash([4, 3]);
          ctx.beginPath();
          ctx.moveTo(left, area.top);
          ctx.lineTo(left, area.bottom);
          ctx.stroke();
          ctx.setLineDash([]);
          ctx.fillStyle = NOTE_LINE;
          ctx.font = "bold 11px system-ui, sans-serif";
          ctx.textAlign = "left";
          ctx.textBaseline = "top";
          ctx.fillText(String(n + 1), left + 3, area.top + 2);
        });
        ctx.restore();
      }
    };
  }

  function noteLine(note, n) {
    return (n + 1) + ". " + note.when + ": " + note.text + (note.applies_to ? " (" + note.applies_to + ")" : "");
  }

  // The notes in text under the chart: what the markers say, readable without hovering.
  function listNotes(figure, notes) {
    var box = figure.querySelector(".chart-notes");
    if (!box || !notes.length) { return; }
    var heading = document.createElement("p");
    heading.className = "muted";
    heading.textContent = notes.length === 1 ? "Annotation:" : "Annotations:";
    var list = document.createElement("ol");
    notes.forEach(function (note, n) {
      var item = document.createElement("li");
      item.value = n + 1;
      item.dataset.annotation = String(note.id);
      item.textContent = note.when + ": " + note.text + (note.applies_to ? " (" + note.applies_to + ")" : "");
      list.appendChild(item);
    });
    box.textContent = "";
    box.appendChild(heading);
    box.appendChild(list);
    box.hidden = false;
  }

  // A forecast (json.forecast, README "Forecasts"): the periods after the range are added to the labels, the
  // other series padded with nulls, and each forecast drawn as its 80 % band (a fill between a low and a high
  // dataset) under a dashed line. The data table shows them as columns marked "forecast".
  function addForecast(json) {
    var forecast = json.forecast;
    if (!forecast) { return; }
    var extra = forecast.labels.length;
    json.labels = json.labels.concat(forecast.labels);
    json.datasets.forEach(function (d) { for (var i = 0; i < extra; i += 1) { d.data.push(null); } });
    forecast.datasets.forEach(function (f) {
      var band = { type: "line", yAxisID: f.yAxisID, unit: f.unit, band: true, borderWidth: 0, pointRadius: 0,
        borderColor: "transparent", backgroundColor: f.colour + "33", spanGaps: true };
      json.datasets.push(Object.assign({}, band, { label: f.label + ", 80 % low", data: f.low, fill: false }));
      json.datasets.push(Object.assign({}, band, { label: f.label + ", 80 % high", data: f.high, fill: "-1" }));
      json.datasets.push({ type: "line", label: f.label + " (" + f.model + ")", data: f.data, yAxisID: f.yAxisID,
        unit: f.unit, forecast: true, borderColor: f.colour, backgroundColor: f.colour, pointBackgroundColor: "#fff",
        borderDash: [6, 4], borderWidth: 2, pointRadius: 2, fill: false, tension: 0, spanGaps: true });
    });
  }

  function draw(figure) {
    var canvas = figure.querySelector("canvas");
    var status = figure.querySelector(".chart-status");
    figure.dataset.state = "loading";  // a skeleton in the chart's box (dashboard.css) until it is drawn
    status.textContent = "";
    fetch(figure.dataset.chartUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (json) {
        addForecast(json);
        var formats = json.datasets.map(function (d) { return formatter(d.unit, json.currency, false, json.locale); });
        var points = 0, nonZero = 0;
        json.datasets.forEach(function (d) {
          d.data.forEach(function (v) { if (v !== null && v !== undefined) { points += 1; if (v !== 0) { nonZero += 1; } } });
        });
        var axisUnit = {};
        json.datasets.forEach(function (d) { if (!axisUnit[d.yAxisID]) { axisUnit[d.yAxisID] = d.unit; } });
        var horizontal = figure.hasAttribute("data-horizontal");
        function valueTicks(unit) {
          var f = formatter(unit, json.currency, true, json.locale);
          var ticks = { callback: f };
          if (unit === "count") { ticks.precision = 0; }  // whole numbers only: no "1, 1, 1, 0, 0" axis
          return ticks;
        }
        // Each value axis says its unit: the channel chart's money axis is not read as its count axis.
        function axisTitle(unit) {
          var text = { money: json.currency || "", count: "Count", rate: "%", days: "Days" }[unit];
          return text ? { display: true, text: text } : { display: false };
        }
        var categoryAxis = { grid: { display: false }, ticks: { autoSkip: !horizontal, maxRotation: 0 } };
        if (horizontal) {
          // Names beside the bars take at most about a third of the chart's width (on a phone ~16 characters a
          // line), so the bars keep their room and no name runs off the canvas.
          categoryAxis.ticks.callback = function (value) {
            return fitLabel(this.getLabelForValue(value), Math.max(10, Math.floor(this.chart.width / 3 / 6.5)));
          };
        }
        var scales = {};
        if (horizontal) {
          // Bars along x: the value axes are x (bottom) and x1 (top), categories on y.
          json.datasets.forEach(function (d) { d.xAxisID = d.yAxisID === "y1" ? "x1" : "x"; delete d.yAxisID; });
          scales.y = categoryAxis;
          scales.x = { beginAtZero: true, ticks: valueTicks(axisUnit.y), title: axisTitle(axisUnit.y) };
          if (axisUnit.y1) { scales.x1 = { position: "top", beginAtZero: true, grid: { drawOnChartArea: false }, ticks: valueTicks(axisUnit.y1), title: axisTitle(axisUnit.y1) }; }
        } else {
          scales.x = categoryAxis;
          scales.y = { beginAtZero: true, ticks: valueTicks(axisUnit.y), title: axisTitle(axisUnit.y) };
          if (axisUnit.y1) { scales.y1 = { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, ticks: valueTicks(axisUnit.y1), title: axisTitle(axisUnit.y1) }; }
        }
        var notes = json.annotations || [];
        var timeNotes = notes.filter(function (note) { return note.from_index !== undefined; });
        new window.Chart(canvas, {
          type: "bar",
          plugins: timeNotes.length && !horizontal ? [notesPlugin(notes)] : [],
          data: { labels: json.labels, datasets: json.datasets },
          options: {
            indexAxis: horizontal ? "y" : "x",
            responsive: true,
            maintainAspectRatio: false,
            animation: false,
            interaction: { mode: "index", intersect: false },
            scales: scales,
            plugins: {
              legend: { position: "bottom", labels: { boxWidth: 12, filter: function (item, data) { return !data.datasets[item.datasetIndex].band; } } },
              tooltip: { callbacks: {
                label: function (ctx) {
                  var v = ctx.raw;
                  return ctx.dataset.label + ": " + (v === null || v === undefined ? NULL + " no data" : formats[ctx.datasetIndex](v));
                },
                // The notes covering the hovered period, under its values.
                footer: function (items) {
                  if (!items.length) { return []; }
                  var i = items[0].dataIndex;
                  var lines = [];
                  notes.forEach(function (note, n) {
                    if (note.from_index !== undefined && note.from_index <= i && i <= note.to_index) { lines.push(noteLine(note, n)); }
                  });
                  return lines;
                }
              } }
            }
          }
        });
        buildTable(figure, json, formats);
        listNotes(figure, notes);
        canvas.dataset.points = String(points);
        canvas.setAttribute("aria-label", json.title + ": " + json.description + " " + json.labels.length +
          " periods; the numbers are in the data table below.");
        if (!nonZero) {
          figure.classList.add("is-empty");
          status.textContent = "No activity in this range.";
        }
        figure.dataset.state = "ready";
      })
      .catch(function (error) {
        figure.dataset.state = "error";
        status.textContent = "The chart could not be loaded (" + error.message + ").";
        retryButton(figure, status);
      });
  }

  // A failed chart says so and offers to fetch it again, without reloading the page.
  function retryButton(figure, status) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary small chart-retry";
    button.textContent = "Retry";
    button.setAttribute("aria-label", "Retry loading the chart " + (figure.querySelector(".chart-title") || {}).textContent);
    button.addEventListener("click", function () {
      var focus = document.activeElement === button;
      button.remove();
      draw(figure);
      if (focus) { status.tabIndex = -1; status.focus(); }  // keep the keyboard where it was
    });
    status.appendChild(document.createTextNode(" "));
    status.appendChild(button);
  }

  function start() {
    if (!window.Chart) { return; }
    window.Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
    themeColours();
    Array.prototype.forEach.call(document.querySelectorAll("figure[data-chart-url]"), draw);
    // Dark mode follows the system setting: the charts redraw in the page's colours when it changes.
    if (window.matchMedia) {
      var scheme = window.matchMedia("(prefers-color-scheme: dark)");
      var redraw = function () {
        themeColours();
        Object.keys(window.Chart.instances).forEach(function (id) { window.Chart.instances[id].update(); });
      };
      if (scheme.addEventListener) { scheme.addEventListener("change", redraw); }
    }
  }

  // Text and grid lines in the page's own colours (static/css/app.css: --muted and --line).
  function themeColours() {
    var style = window.getComputedStyle(document.documentElement);
    window.Chart.defaults.color = style.getPropertyValue("--muted").trim() || "#5f6b7a";
    window.Chart.defaults.borderColor = style.getPropertyValue("--line").trim() || "#e3e7ee";
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
