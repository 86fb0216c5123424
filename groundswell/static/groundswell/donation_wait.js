// Progressive enhancement of the page that waits for the payment page: ask every second
// whether the checkout is ready and move on at once, instead of the page's two-second
// refresh. Without this file the refresh and the Continue button do the same.
(function () {
  "use strict";
  var link = document.getElementById("donation-continue");
  if (!link || !window.fetch) { return; }
  var tries = 0;
  function ask() {
    tries += 1;
    fetch(link.dataset.stateUrl, { credentials: "same-origin", cache: "no-store" })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (state) {
        if (state && state.ready) { window.location.assign(link.href); }
        else if (tries < 120) { window.setTimeout(ask, 1000); }
      })
      .catch(function () { if (tries < 120) { window.setTimeout(ask, 2000); } });
  }
  window.setTimeout(ask, 700);
})();
