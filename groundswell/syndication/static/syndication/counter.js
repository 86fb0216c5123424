// Counts a post's length as the network will, while it is typed. The server checks again
// (groundswell/syndication/length.py is the authority); without JavaScript nothing is lost.
(function () {
  "use strict";
  var URL = /https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]'’”]/g;
  var REMOTE_MENTION = /(^|[^\w@])(@\w+)@[\w.-]+\w/g;
  var segmenter = typeof Intl !== "undefined" && Intl.Segmenter ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;

  function graphemes(text) {
    if (segmenter) {
      var count = 0;
      for (var _ of segmenter.segment(text)) { count += 1; }
      return count;
    }
    return Array.from(text).length; // an older browser: close, and the server decides
  }

  function measure(network, text) {
    text = text.trim();
    if (network === "bluesky") { return graphemes(text); }
    text = text.replace(URL, "xxxxxxxxxxxxxxxxxxxxxxx").replace(REMOTE_MENTION, "$1$2");
    return Array.from(text).length;
  }

  function attach(field) {
    var counter = document.querySelector('.counter[data-for="' + field.id + '"]');
    if (!counter) { return; }
    var limit = parseInt(field.dataset.limit, 10);
    field.setAttribute("aria-describedby", ((field.getAttribute("aria-describedby") || "") + " " + counter.id).trim());
    function update() {
      var count = measure(field.dataset.network, field.value);
      var over = count - limit;
      var message = counter.dataset.template.replace("{count}", count).replace("{limit}", limit);
      if (over > 0) { message += " " + counter.dataset.over.replace("{over}", over); }
      counter.textContent = message;
      counter.classList.toggle("errorlist", over > 0);
      field.setAttribute("aria-invalid", over > 0 ? "true" : "false");
    }
    field.addEventListener("input", update);
    update();
  }

  document.querySelectorAll("textarea.counted").forEach(function (field, index) {
    var counter = document.querySelector('.counter[data-for="' + field.id + '"]');
    if (counter && !counter.id) { counter.id = "counter-" + index; }
    attach(field);
  });
})();
