/* Pulse KPI web tracking. No cookies, no storage: the server counts visitors from a daily hash.
   <script defer src="https://<pulse host>/t.js" data-site="<site key>"></script>
   Sends page views (on load and on history navigation), outbound link clicks, file downloads
   and the submissions of forms marked data-pulse-form (their email field when the site allows). */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[data-site]");
  if (!script || !script.getAttribute("data-site") || location.protocol === "file:") return;
  var endpoint = new URL(script.src).origin + "/t/collect?site=" + encodeURIComponent(script.getAttribute("data-site"));
  var DOWNLOADS = /\.(pdf|zip|gz|tgz|rar|7z|docx?|xlsx?|pptx?|odt|ods|odp|csv|txt|rtf|epub|mp3|mp4|mov|avi|wav|dmg|exe|msi|pkg|apk|iso)$/i;
  var optedOut = navigator.doNotTrack === "1" || window.doNotTrack === "1" || navigator.globalPrivacyControl === true;

  function send(kind, extra) {
    var event = { e: kind, u: location.href, r: document.referrer || "" };
    if (optedOut) event.d = 1;
    for (var name in extra) event[name] = extra[name];
    var body = JSON.stringify(event);
    try {
      if (navigator.sendBeacon && navigator.sendBeacon(endpoint, body)) return;
    } catch (error) { /* fall through to fetch */ }
    if (window.fetch) {
      fetch(endpoint, { method: "POST", body: body, keepalive: true, credentials: "omit", mode: "cors",
        headers: { "Content-Type": "text/plain" } }).catch(function () {});
    }
  }

  var lastPage = null;
  function pageView() {
    var page = location.pathname + location.search;
    if (page === lastPage) return;  // a hash change or a replaced state of the same page
    lastPage = page;
    send("pageview", {});
  }

  var pushState = history.pushState;
  history.pushState = function () {
    var result = pushState.apply(this, arguments);
    pageView();
    return result;
  };
  window.addEventListener("popstate", pageView);

  function onLink(event) {
    if (event.type === "auxclick" && event.button !== 1) return;
    var link = event.target && event.target.closest ? event.target.closest("a[href]") : null;
    if (!link || !/^https?:$/.test(link.protocol)) return;
    if (link.hasAttribute("download") || DOWNLOADS.test(link.pathname)) send("download", { h: link.href });
    else if (link.host !== location.host) send("outbound", { h: link.href });
  }
  document.addEventListener("click", onLink, true);
  document.addEventListener("auxclick", onLink, true);

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.hasAttribute || !form.hasAttribute("data-pulse-form")) return;
    var email = form.querySelector("input[type=email], input[name=email]");
    send("form", email && email.value ? { m: email.value.slice(0, 254) } : {});
  }, true);

  pageView();
})();
