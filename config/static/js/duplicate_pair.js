// The duplicate pair page: d merges the pair, n keeps the records apart (the buttons of the #decide form).
(function () {
  "use strict";
  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, textarea, select") || event.ctrlKey || event.metaKey || event.altKey) return;
    const value = { d: "confirm", n: "reject" }[event.key];
    const button = value && document.querySelector(`#decide button[value=${value}]`);
    if (button) button.click();
  });
})();
