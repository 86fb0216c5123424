// Progressive enhancement: the phone's own share sheet where the Web Share API exists,
// and select-on-focus for the copy field. Everything works without this file.
(function () {
  "use strict";
  var holder = document.querySelector(".native-share");
  if (holder && navigator.share) {
    holder.hidden = false;
    var button = holder.querySelector("button");
    button.addEventListener("click", function () {
      navigator.share({ text: button.dataset.shareText, url: button.dataset.shareUrl }).catch(function () {});
    });
  }
  var copy = document.getElementById("copy-link");
  if (copy) {
    copy.addEventListener("focus", function () { copy.select(); });
  }
})();
