// The record list: one box ticks every record on the page, and the legend says how many are ticked.
// (The Content-Security-Policy runs no inline script, so this lives here.)
(function () {
  "use strict";
  const form = document.getElementById("record-actions");
  if (!form) return;
  const boxes = () => form.querySelectorAll('input[name="records"]');
  const all = form.querySelector("[data-select-all]");
  const count = form.querySelector("[data-ticked-count]");

  function update() {
    const ticked = Array.from(boxes()).filter((box) => box.checked).length;
    if (count) count.textContent = ticked ? `(${ticked} ticked)` : "";
    if (all) {
      all.checked = ticked > 0 && ticked === boxes().length;
      all.indeterminate = ticked > 0 && ticked < boxes().length;
    }
  }

  form.addEventListener("change", (event) => {
    if (event.target === all) boxes().forEach((box) => { box.checked = all.checked; });
    update();
  });
  update();
})();
