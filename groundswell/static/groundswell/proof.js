// Progressive enhancement for a petition under attack: the browser solves the sign form's
// proof of work (proof-worker.js, in a Web Worker) while the person fills the form in, and
// sends the solution with the signature. Without this file, or without JavaScript, the
// signature is taken all the same and counts once its email is confirmed.
//
// The form is never held for long: a press on "Sign" waits for the solution at most
// WAIT_MS, saying so in the form's status line (aria-live), then sends without it.
(function () {
  "use strict";
  var WAIT_MS = 5000;

  function nonce() {
    var bytes = new Uint8Array(8);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return (b < 16 ? "0" : "") + b.toString(16);
    }).join("");
  }

  function enhance(input) {
    var form = input.form;
    if (!form || form.dataset.proofReady) return;
    form.dataset.proofReady = "1";
    var proof = form.querySelector("input[name=proof]");
    var status = form.querySelector(".proof-status");
    var worker = null;
    var solved = false;
    var failed = false;
    var waiting = false;
    var pressedAt = 0;

    function say(text) {
      // Written only when it changes: a live region re-read every quarter second is noise.
      if (status && status.textContent !== text) status.textContent = text;
    }

    function send() {
      waiting = false;
      form.submit(); // skips the submit event: this handler does not see it again
    }

    function giveUp() {
      failed = true;
      if (worker) worker.terminate();
      if (waiting) {
        say(input.dataset.slow);
        send();
      }
    }

    function start() {
      if (worker || failed || solved) return;
      try {
        worker = new Worker(input.dataset.worker);
      } catch (error) {
        failed = true;
        return;
      }
      worker.onmessage = function (event) {
        if (event.data.proof) {
          proof.value = event.data.proof;
          solved = true;
          worker.terminate();
          if (waiting) {
            say(input.dataset.done);
            send();
          }
        } else if (waiting) {
          var seconds = Math.max(1, Math.round((Date.now() - pressedAt) / 1000));
          say(input.dataset.progress.replace("{seconds}", String(seconds)));
        }
      };
      worker.onerror = giveUp;
      worker.postMessage({ challenge: input.value, nonce: nonce() });
    }

    // Solving starts when the person starts on the form, so it is usually done by the
    // time they press the button; readers who only read spend nothing.
    form.addEventListener("focusin", start);
    form.addEventListener("submit", function (event) {
      if (solved || failed) return;
      event.preventDefault();
      if (waiting) return;
      waiting = true;
      pressedAt = Date.now();
      say(input.dataset.working);
      start();
      if (failed) {
        giveUp();
        return;
      }
      setTimeout(function () {
        if (waiting && !solved) giveUp();
      }, WAIT_MS);
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("input[name=challenge]"), enhance);
})();
