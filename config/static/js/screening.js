// Keyboard-first screening: i / e / m vote, u undoes the last vote, j / k move, n focuses the note,
// r the exclusion reason. After a vote the prefetched next record is put on screen at once; the server's
// answer (the next record again, and a new one prefetched) then replaces it.
(function () {
  "use strict";
  const screen = () => document.getElementById("screen");
  // One request at a time: a key pressed while the last vote is on its way would act on a stale screen.
  let busy = false;
  document.addEventListener("htmx:beforeRequest", () => { busy = true; });
  document.addEventListener("htmx:afterRequest", () => { busy = false; });
  const panel = () => screen() && screen().querySelector(".screen-panel");

  function swapInPrefetched() {
    const tpl = document.getElementById("prefetched");
    const current = panel();
    if (!tpl || !current) return;
    current.replaceWith(tpl.content.cloneNode(true));
    tpl.remove();
  }

  function vote(verdict) {
    const form = screen() && screen().querySelector("form.vote");
    if (!form) return;
    const reason = form.querySelector("[data-reason]");
    if (verdict === "exclude" && reason && !reason.value) {
      reason.focus();
      showError("Choose an exclusion reason first (press r), then e again.");
      return;
    }
    const values = Object.fromEntries(new FormData(form));
    values.verdict = verdict;
    const url = form.action;
    swapInPrefetched();
    htmx.ajax("POST", url, { source: screen(), target: "#screen", swap: "outerHTML", values: values });
  }

  function move(kind) {
    const link = screen() && screen().querySelector(`[data-move="${kind}"]`);
    if (!link) return;
    htmx.ajax("GET", link.getAttribute("href"), { source: screen(), target: "#screen", swap: "outerHTML" });
  }

  function undo() {
    const form = document.getElementById("undo-form");
    if (form) htmx.ajax("POST", form.action, { source: screen(), target: "#screen", swap: "outerHTML" });
  }

  function showError(text) {
    let box = screen().querySelector(".error");
    if (!box) {
      box = document.createElement("p");
      box.className = "error";
      box.setAttribute("role", "alert");
      screen().prepend(box);
    }
    box.textContent = text;
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!screen() || !screen().contains(form)) return;
    if (form.matches("form.vote") && event.submitter && event.submitter.dataset.verdict) {
      event.preventDefault();
      vote(event.submitter.dataset.verdict);
    } else if (form.id === "undo-form") {
      event.preventDefault();
      undo();
    }
  });

  document.addEventListener("click", (event) => {
    const link = event.target.closest("[data-move]");
    if (link && screen() && screen().contains(link)) {
      event.preventDefault();
      move(link.dataset.move);
    }
  });

  document.addEventListener("keydown", (event) => {
    if (!screen() || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.matches("input, textarea, select")) {
      if (event.key === "Escape") target.blur();
      if (event.key === "Enter" && target.matches("[data-note]")) {
        event.preventDefault();
        target.blur();
      }
      return;
    }
    const actions = {
      i: () => vote("include"),
      e: () => vote("exclude"),
      m: () => vote("maybe"),
      u: undo,
      j: () => move("next"),
      k: () => move("previous"),
      n: () => screen().querySelector("[data-note]")?.focus(),
      r: () => screen().querySelector("[data-reason]")?.focus(),
    };
    const action = actions[event.key];
    if (action && busy && "iemujk".includes(event.key)) {
      event.preventDefault();
      return;
    }
    if (action) {
      event.preventDefault();
      action();
    }
  });
})();
