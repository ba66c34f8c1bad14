// Behaviour every page shares. The Content-Security-Policy runs no inline script, handler or style
// attribute, so what a template would have written inline is keyed here off data and ARIA attributes.
(function () {
  "use strict";

  // A progress bar's width comes from its aria-valuenow (the value assistive technology reads too),
  // on the first page and on every fragment htmx swaps in.
  function drawProgress(root) {
    root.querySelectorAll(".progress[aria-valuenow] > span").forEach((bar) => {
      bar.style.width = `${Number(bar.parentElement.getAttribute("aria-valuenow")) || 0}%`;
    });
  }
  htmx.onLoad(drawProgress);

  // <input type="checkbox" data-toggle-class="CLASS" data-toggle-target="SELECTOR">: the target has
  // CLASS while the box is ticked.
  document.addEventListener("change", (event) => {
    const box = event.target.closest("[data-toggle-class]");
    const target = box && document.querySelector(box.dataset.toggleTarget);
    if (target) target.classList.toggle(box.dataset.toggleClass, box.checked);
  });
})();
