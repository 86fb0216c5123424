// "Use my location" on the report form: fills the latitude and longitude from the device.
// The form works without it; the place is blurred to a grid square on the server anyway.
(function () {
  "use strict";
  var box = document.querySelector("[data-locate]");
  if (!box || !("geolocation" in navigator)) return;
  var button = box.querySelector("[data-locate-button]");
  var status = box.querySelector("[data-locate-status]");
  var latitude = document.getElementById("id_latitude");
  var longitude = document.getElementById("id_longitude");
  if (!button || !status || !latitude || !longitude) return;
  box.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = box.getAttribute("data-asking") || "…";
    navigator.geolocation.getCurrentPosition(
      function (position) {
        latitude.value = position.coords.latitude.toFixed(5);
        longitude.value = position.coords.longitude.toFixed(5);
        status.textContent = box.getAttribute("data-found") || "";
      },
      function () {
        status.textContent = box.getAttribute("data-failed") || "";
      },
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 }
    );
  });
})();
