// Keyboard-first screening: i / e / m vote, u undoes the last vote, j / k move, n focuses the note,
// r the exclusion reason. After a vote the prefetched next record is put on screen at once; the server's
// answer (the next record again, a new one prefetched, the counter and the bar) then replaces it.
// On the conflict view (#decision-form): i includes, e excludes, n and r reach the note and the reason,
// j opens the next conflict.
(function () {
  "use strict";
  const screen = () => document.getElementById("screen");
  const panel = () => screen() && screen().querySelector(".screen-panel");
  const request = (method, url, values) =>
    htmx.ajax(method, url, { source: screen(), target: "#screen", swap: "outerHTML", values: values });

  function swapInPrefetched() {
    const tpl = document.getElementById("prefetched");
    const current = panel();
    if (!tpl || !current) return;
    current.replaceWith(tpl.content.cloneNode(true));
    tpl.remove();
  }

  // Each action returns the request's promise when it asked the server, REFUSED when it could not act
  // (the keys pressed after it would act on the wrong record), or nothing.
  const REFUSED = "refused";

  function vote(verdict) {
    const form = screen() && screen().querySelector("form.vote");
    if (!form) return REFUSED;
    const reason = form.querySelector("[data-reason][data-required]");
    if (verdict === "exclude" && reason && !reason.value) {
      reason.focus();
      showError("Choose an exclusion reason first (press r), then e again.");
      return REFUSED;
    }
    const values = Object.fromEntries(new FormData(form));
    values.verdict = verdict;
    const url = form.action;
    swapInPrefetched();
    return request("POST", url, values);
  }

  function move(kind) {
    const link = screen() && screen().querySelector(`[data-move="${kind}"]`);
    return link ? request("GET", link.getAttribute("href")) : REFUSED;
  }

  function undo() {
    const form = document.getElementById("undo-form");
    return form ? request("POST", form.action) : REFUSED;
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

  // ---- Keys pressed while an answer is on its way wait their turn: none is lost. ----
  // Each runs once the previous answer is on screen, so it acts on the record the user will see. When an
  // answer is refused (or says why the vote was not taken), the keys still waiting are not applied, and
  // the page says so: they were meant for a record that is not on screen.
  const waiting = [];
  let busy = false;
  let refused = false;

  function sayWaiting(text) {
    const line = document.getElementById("key-queue");
    if (!line) return;
    line.textContent = text;
    line.hidden = !text;
  }

  function showWaiting() {
    const n = waiting.length;
    sayWaiting(n ? `${n} key${n === 1 ? "" : "s"} waiting for the last answer: ${waiting.join(" ")}` : "");
  }

  function dropWaiting(why) {
    const dropped = waiting.splice(0);
    if (dropped.length) {
      const n = dropped.length;
      sayWaiting(`${n} key${n === 1 ? "" : "s"} not applied (${dropped.join(" ")}): ${why}`);
    }
  }

  function run(key) {
    const result = actions[key]();
    if (result && typeof result.then === "function") {
      busy = true;
      refused = false;
      result.then(answered, () => {
        refused = true;
        answered();
      });
    } else if (result === REFUSED) {
      dropWaiting("the last one could not act.");
    } else if (waiting.length) {
      run(waiting.shift());
    }
  }

  function answered() {
    busy = false;
    if (refused || (screen() && screen().querySelector(".error[role=alert]"))) {
      dropWaiting("the last answer was refused; see its message.");
      return;
    }
    showWaiting();
    if (waiting.length) run(waiting.shift());
  }

  document.addEventListener("htmx:afterRequest", (event) => {
    if (busy && !event.detail.successful) refused = true;
  });

  function press(key) {
    if (busy) {
      waiting.push(key);
      showWaiting();
    } else {
      sayWaiting("");
      run(key);
    }
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!screen() || !screen().contains(form)) return;
    if (form.matches("form.vote") && event.submitter && event.submitter.dataset.verdict) {
      event.preventDefault();
      press(event.submitter.dataset.verdict[0]);
    } else if (form.id === "undo-form") {
      event.preventDefault();
      press("u");
    }
  });

  document.addEventListener("click", (event) => {
    const link = event.target.closest("[data-move]");
    if (link && screen() && screen().contains(link)) {
      event.preventDefault();
      press(link.dataset.move === "next" ? "j" : "k");
    }
  });

  function fieldKeys(event) {
    const target = event.target;
    if (!target.matches("input, textarea, select")) return false;
    if (event.key === "Escape") target.blur();
    if (event.key === "Enter" && target.matches("[data-note]")) {
      event.preventDefault();
      target.blur();
    }
    return true;
  }

  document.addEventListener("keydown", (event) => {
    if (!screen() || event.ctrlKey || event.metaKey || event.altKey || fieldKeys(event)) return;
    if (actions[event.key]) {
      event.preventDefault();
      press(event.key);
    }
  });

  // ---- The conflict view: one key per decision ----
  const decisionForm = () => document.getElementById("decision-form");

  function fieldMessage(field, text) {
    let box = field.parentElement.querySelector(".field-error[data-key-hint]");
    if (!box) {
      box = document.createElement("span");
      box.className = "field-error";
      box.dataset.keyHint = "";
      box.setAttribute("role", "alert");
      field.before(box);
    }
    box.textContent = text;
  }

  function decide(verdict) {
    const form = decisionForm();
    if (!form) return;
    form.elements.decision.value = verdict;
    const reason = form.elements.reason;
    const note = form.elements.note;
    // At full text an exclusion names its reason (or says why in the note): the reason is asked for first.
    if (verdict === "exclude" && reason && !reason.value && !note.value.trim()) {
      fieldMessage(reason, "Choose the exclusion reason, then press Enter (or Escape, then e).");
      reason.focus();
      return;
    }
    form.requestSubmit();
  }

  // A refused decision comes back with its errors at the fields: the first of them gets the focus.
  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id !== "decision-form" && !event.detail.elt.matches?.("#decision-form")) return;
    decisionForm()?.querySelector("[aria-invalid=true]")?.focus();
  });

  document.addEventListener("keydown", (event) => {
    const form = decisionForm();
    const next = document.querySelector("[data-next-conflict]");
    if (screen() || (!form && !next) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.matches("select") && event.key === "Enter" && form && form.contains(event.target)) {
      event.preventDefault();
      form.requestSubmit();
      return;
    }
    if (event.target.matches("input, textarea, select, button")) {
      if (event.key === "Escape") event.target.blur();
      if (!event.target.matches("button")) return;
    }
    const keys = {
      i: () => decide("include"),
      e: () => decide("exclude"),
      n: () => form?.elements.note?.focus(),
      r: () => form?.elements.reason?.focus(),
      j: () => next && window.location.assign(next.href),
    };
    if (keys[event.key]) {
      event.preventDefault();
      keys[event.key]();
    }
  });
})();
