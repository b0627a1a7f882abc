// Countdown of the seat hold on the payment step. Progressive: the page shows the time
// left without JavaScript too; when the hold lapses the page reloads to its real state.
(function () {
  "use strict";
  var el = document.querySelector("[data-countdown]");
  if (!el) { return; }
  var end = new Date(el.getAttribute("datetime")).getTime();
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function tick() {
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    el.textContent = Math.floor(left / 60) + ":" + pad(left % 60);
    el.setAttribute("aria-label", Math.ceil(left / 60) + " minutes left");
    if (left <= 0) { window.location.reload(); return; }
    window.setTimeout(tick, 1000);
  }
  tick();
})();
