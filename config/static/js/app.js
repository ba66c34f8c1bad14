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

  // The review menu folds behind its button on narrow screens (app.css). Without this script the button
  // stays hidden and the whole menu shows.
  document.querySelectorAll(".menu-toggle[aria-controls]").forEach((button) => {
    button.hidden = false;
    button.setAttribute("aria-expanded", "false");
  });
  document.addEventListener("click", (event) => {
    const toggle = event.target.closest(".menu-toggle[aria-controls]");
    if (toggle) toggle.setAttribute("aria-expanded", String(toggle.getAttribute("aria-expanded") !== "true"));
    // The account menu (a <details>) closes when the click lands anywhere else.
    document.querySelectorAll("details.account[open]").forEach((menu) => {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.account[open]").forEach((menu) => {
      menu.open = false;
      menu.querySelector("summary").focus();
    });
  });

  // ---- Refused htmx requests: one handler for the whole site, so none fails without a word. ----
  // A form the server sends back with its errors (400 bad input, 409 a stale page, 422) is swapped in like
  // any answer: it says what is wrong at the field. Every other refusal (403, 404, 500, no connection, a
  // timeout) puts the server's own message in an alert next to the element the user acted on.
  htmx.config.responseHandling = [
    { code: "^204$", swap: false },
    { code: "^[23]..$", swap: true },
    { code: "^(400|409|422)$", swap: true, error: true },
    { code: ".*", swap: false, error: true },
  ];
  htmx.config.timeout = 60000;

  const swappedErrors = new WeakSet(); // requests whose refusal was swapped in: it speaks for itself
  const alerts = []; // { box, owner }: the alerts shown, and the element each is about

  function textOf(node) {
    return node ? node.textContent.replace(/\s+/g, " ").trim() : "";
  }

  // The sentence to show: an error page's message (or heading), a fragment's alert, or the text sent.
  function messageOf(xhr) {
    if (!xhr || !xhr.status) return "The server could not be reached: check your connection, then try again.";
    const type = xhr.getResponseHeader("Content-Type") || "";
    const body = typeof xhr.response === "string" ? xhr.response : "";
    let text = "";
    if (type.includes("html")) {
      const doc = new DOMParser().parseFromString(body, "text/html");
      const main = doc.querySelector("main") || doc.body;
      const heading = textOf(main.querySelector("#error-heading, h1"));
      const said = textOf(main.querySelector("[role=alert], .error, .errorlist"));
      // The page's own sentence says what happened; its heading ("You may not open this page") only
      // when there is none, since the user opened no page.
      text = said || heading || textOf(main);
    } else if (type.includes("json")) {
      try {
        const data = JSON.parse(body);
        text = data.message || data.error || data.detail || "";
      } catch (error) {
        text = "";
      }
    } else {
      text = body.trim();
    }
    if (text.length > 400) text = `${text.slice(0, 399)}…`;
    return text || `The server refused this (${xhr.status} ${xhr.statusText || "error"}).`;
  }

  // Where the message goes: the element named by data-error-region on the element or an ancestor, else a
  // new alert beside the element (inside it when it is a table row or cell, where nothing else may go).
  function alertFor(owner) {
    const region = owner && owner.closest && owner.closest("[data-error-region]");
    const named = region && document.getElementById(region.dataset.errorRegion);
    if (named) {
      named.setAttribute("role", "alert");
      named.classList.add("error");
      named.hidden = false;
      const entry = alerts.find((a) => a.box === named);
      if (entry) entry.owner = owner;
      else alerts.push({ box: named, owner, named: true });
      return named;
    }
    const known = alerts.find((a) => a.owner === owner && a.box.isConnected);
    if (known) return known.box;
    const box = document.createElement("div");
    box.className = "htmx-error error";
    box.setAttribute("role", "alert");
    if (!owner || !owner.isConnected || owner === document.body) {
      (document.getElementById("main") || document.body).prepend(box);
    } else if (owner.matches("tr")) {
      (owner.lastElementChild || owner).append(box);
    } else if (owner.matches("td, th, li")) {
      owner.append(box);
    } else if (owner.matches("table, thead, tbody, tfoot")) {
      owner.closest("table").before(box);
    } else {
      owner.after(box);
    }
    alerts.push({ box, owner });
    return box;
  }

  function showRefusal(owner, message) {
    const box = alertFor(owner);
    box.replaceChildren();
    const text = document.createElement("span");
    text.textContent = message;
    const dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.className = "dismiss";
    dismiss.setAttribute("aria-label", "Dismiss this message");
    dismiss.textContent = "×";
    box.append(text, dismiss);
    // Out of sight (below a long record on a phone, say), it is brought into view: a refusal is never unseen.
    const { top, bottom } = box.getBoundingClientRect();
    if (top < 0 || bottom > window.innerHeight) box.scrollIntoView({ block: "nearest" });
  }

  function removeAlert(entry) {
    if (entry.named) {
      entry.box.replaceChildren();
      entry.box.hidden = true;
    } else {
      entry.box.remove();
    }
    alerts.splice(alerts.indexOf(entry), 1);
  }

  // After a request that went through, its element's alert goes, and so do alerts about elements the
  // answers have since replaced.
  function clearRefusals(owner) {
    alerts.filter((a) => a.owner === owner || !a.owner || !a.owner.isConnected).forEach(removeAlert);
  }

  document.addEventListener("click", (event) => {
    const dismiss = event.target.closest(".htmx-error .dismiss, [data-error-region] .dismiss");
    const entry = dismiss && alerts.find((a) => a.box.contains(dismiss));
    if (entry) removeAlert(entry);
  });

  document.addEventListener("htmx:beforeSwap", (event) => {
    const detail = event.detail;
    if (!detail.isError || !detail.shouldSwap) return;
    // A whole page (a proxy's or Django's own error page) is never swapped into part of this one.
    if (/^\s*(<!doctype|<html)/i.test(detail.serverResponse || "")) {
      detail.shouldSwap = false;
    } else {
      swappedErrors.add(detail.xhr);
    }
  });
  document.addEventListener("htmx:afterRequest", (event) => {
    if (event.detail.successful || swappedErrors.has(event.detail.xhr)) clearRefusals(event.detail.elt);
  });
  document.addEventListener("htmx:responseError", (event) => {
    if (!swappedErrors.has(event.detail.xhr)) showRefusal(event.detail.elt, messageOf(event.detail.xhr));
  });
  document.addEventListener("htmx:sendError", (event) => showRefusal(event.detail.elt, messageOf(null)));
  document.addEventListener("htmx:timeout", (event) =>
    showRefusal(
      event.detail.elt,
      "The server took too long to answer, so what you did may not have been saved. Try again.",
    ),
  );
  // A fragment's answer may change counts elsewhere on the page (django_htmx's trigger_client_event
  // "countsChanged" with {counts: {element id: text}}).
  document.addEventListener("countsChanged", (event) => {
    for (const [id, text] of Object.entries(event.detail.counts || {})) {
      const element = document.getElementById(id);
      if (element) element.textContent = text;
    }
  });
  document.addEventListener("htmx:swapError", (event) =>
    showRefusal(event.detail.elt, "The answer could not be shown on this page: reload it and try again."),
  );
  document.addEventListener("htmx:targetError", (event) =>
    showRefusal(event.detail.elt, "The answer could not be shown on this page: reload it and try again."),
  );
})();
