// The copy page's PDF chooser: the links open their report in the frame beside the form (target="copy-pdf",
// so they work without script); this marks the report shown and names the frame after it.
(function () {
  "use strict";
  const frame = document.querySelector('iframe[name="copy-pdf"]');
  const links = document.querySelectorAll('.pdf-chooser a[target="copy-pdf"]');
  if (!frame || !links.length) return;
  links.forEach((link) => {
    link.addEventListener("click", () => {
      links.forEach((other) => other.removeAttribute("aria-current"));
      link.setAttribute("aria-current", "true");
      frame.title = link.dataset.pdfTitle;
    });
  });
})();
