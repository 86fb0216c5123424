// Drag a rectangle on the image to fill in the region's four numbers
// (includes/image_region.html). The numbers stay the authority: without JavaScript they
// are typed, and the server checks them either way.
(function () {
  "use strict";
  var picker = document.querySelector("[data-region-picker]");
  var form = picker && document.getElementById(picker.dataset.form);
  if (!form) { return; }
  var frame = picker.querySelector(".region-frame");
  var box = picker.querySelector(".region-box");
  var names = ["left", "top", "width", "height"];
  var fields = names.map(function (name) { return form.elements[name]; });
  var hint = picker.querySelector(".region-drag-hint");
  var start = null;

  function clamp(value) { return Math.min(1, Math.max(0, value)); }

  // Percent with one decimal, the edges rounded first so left + width never passes 100.
  function percent(value) { return Math.round(value * 1000) / 10; }

  function at(event) {
    var bounds = frame.getBoundingClientRect();
    return [clamp((event.clientX - bounds.left) / bounds.width),
            clamp((event.clientY - bounds.top) / bounds.height)];
  }

  function draw(values) {
    names.forEach(function (name, index) {
      var number = parseFloat(values[index]);
      box.setAttribute(name === "left" ? "x" : name === "top" ? "y" : name,
                       isFinite(number) ? String(number) : "0");
    });
  }

  function fromFields() {
    draw(fields.map(function (field) { return field.value.replace(",", "."); }));
  }

  function fill(event) {
    var end = at(event);
    var left = percent(Math.min(start[0], end[0]));
    var top = percent(Math.min(start[1], end[1]));
    var right = percent(Math.max(start[0], end[0]));
    var bottom = percent(Math.max(start[1], end[1]));
    var values = [left, top, Math.round((right - left) * 10) / 10, Math.round((bottom - top) * 10) / 10];
    fields.forEach(function (field, index) { field.value = String(values[index]); });
    draw(values);
  }

  frame.classList.add("draggable");
  if (hint) { hint.hidden = false; }
  frame.addEventListener("pointerdown", function (event) {
    if (event.button !== 0) { return; }
    start = at(event);
    frame.setPointerCapture(event.pointerId);
    event.preventDefault();
  });
  frame.addEventListener("pointermove", function (event) { if (start) { fill(event); } });
  frame.addEventListener("pointerup", function (event) {
    if (start) { fill(event); start = null; }
  });
  frame.addEventListener("pointercancel", function () { start = null; });
  fields.forEach(function (field) { field.addEventListener("input", fromFields); });
  if (fields.every(function (field) { return field.value; })) { fromFields(); }
})();
