/* 舒畅 sales pages: countdowns that follow the SERVER's clock.
 *
 * The page is rendered with the seconds left as the server counts them (data-seconds); this only
 * counts that number down with the browser's monotonic clock, so a wrong clock on the phone
 * changes nothing. With data-reload-at-zero the page reloads when the count reaches zero (the
 * opening starts, or a hold ends), and the server says what is true then. Without JavaScript the
 * text shows the time left when the page was loaded. */
(function () {
  "use strict";

  function format(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    var days = Math.floor(s / 86400);
    var hours = Math.floor((s % 86400) / 3600);
    var minutes = Math.floor((s % 3600) / 60);
    var secs = s % 60;
    var parts = [[days, "天"], [hours, "小时"], [minutes, "分"], [secs, "秒"]];
    while (parts.length > 1 && parts[0][0] === 0) { parts.shift(); }
    return parts.map(function (p) { return p[0] + p[1]; }).join("");
  }

  function start(element) {
    if (element.dataset.countdownStarted) { return; }
    element.dataset.countdownStarted = "1";
    var total = parseInt(element.dataset.seconds, 10);
    if (isNaN(total)) { return; }
    var began = performance.now();
    var reloaded = false;
    function tick() {
      var left = total - (performance.now() - began) / 1000;
      element.textContent = format(Math.ceil(left));
      if (left <= 0) {
        if (element.hasAttribute("data-reload-at-zero") && !reloaded) {
          reloaded = true;
          // A moment's grace, so the server is surely past the instant too.
          setTimeout(function () { window.location.reload(); }, 800);
        }
        return;
      }
      setTimeout(tick, 250);
    }
    tick();
  }

  // A select button shown before the opening (or the buyer's lottery turn): disabled until the
  // instant by the same monotonic count, then enabled without reloading. Without JavaScript it stays
  // enabled and the server refuses an early click with the opening time.
  function enableLater(button) {
    if (button.dataset.enableScheduled) { return; }
    button.dataset.enableScheduled = "1";
    var seconds = parseInt(button.dataset.enableIn, 10);
    if (isNaN(seconds) || seconds <= 0) { return; }
    button.disabled = true;
    setTimeout(function () { button.disabled = false; }, seconds * 1000);
  }

  function startAll(root) {
    (root || document).querySelectorAll("[data-countdown]").forEach(start);
    (root || document).querySelectorAll("[data-enable-in]").forEach(enableLater);
  }

  document.addEventListener("DOMContentLoaded", function () { startAll(document); });
  document.addEventListener("htmx:load", function (event) { startAll(event.target); });
})();
