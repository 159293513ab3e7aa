// Behaviour the pages share; no inline scripts, so the Content Security Policy stays strict.
(function () {
  "use strict";

  // Progress bars carry their width in data-progress: style attributes would break the CSP.
  function paintProgress(root) {
    root.querySelectorAll("[data-progress]").forEach(function (bar) {
      bar.style.width = bar.dataset.progress + "%";
    });
  }

  function autosubmit(root) {
    root.querySelectorAll("[data-autosubmit]").forEach(function (field) {
      field.addEventListener("change", function () { field.form.requestSubmit(); });
    });
  }

  // "Select all" checkbox for tables of rows to act on.
  function selectAll(root) {
    root.querySelectorAll("[data-select-all]").forEach(function (box) {
      box.addEventListener("change", function () {
        document.querySelectorAll("input[name='" + box.dataset.selectAll + "']").forEach(function (item) {
          item.checked = box.checked;
        });
      });
    });
  }

  // Parts fetched once the page has loaded (the menu's worklist badge): the page does not wait for them.
  function loadFrom(root) {
    root.querySelectorAll("[data-load-from]").forEach(function (part) {
      htmx.ajax("GET", part.dataset.loadFrom, {target: part, swap: "outerHTML"});
    });
  }

  function init(root) { paintProgress(root); autosubmit(root); selectAll(root); loadFrom(root); }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function (event) { init(event.target); });
})();
