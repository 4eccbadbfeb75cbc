/* Progressive enhancements: theme toggle, status and tag filters, sorting, math, keyboard keys.
   The site works without this file; search lives in search-core.js and search-ui.js. */
(function () {
  "use strict";
  var root = document.documentElement;
  var current = -1; /* the paper j/k last moved to */

  function systemDark() { return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches; }
  function currentTheme() { return root.dataset.theme || (systemDark() ? "dark" : "light"); }

  var toggle = document.querySelector(".theme-toggle");
  if (toggle) {
    toggle.hidden = false;
    toggle.setAttribute("aria-pressed", String(currentTheme() === "dark"));
    toggle.addEventListener("click", function () {
      var next = currentTheme() === "dark" ? "light" : "dark";
      root.dataset.theme = next;
      toggle.setAttribute("aria-pressed", String(next === "dark"));
      try { localStorage.setItem("sitegen-theme", next); } catch (e) { /* not saved; fine */ }
    });
  }

  /* Filter the papers of a list, tag or index page by reading status and by tags (a paper must have
     every chosen tag); the count of what is left is announced. */
  var filter = document.querySelector("[data-filter]");
  if (filter) {
    filter.hidden = false;
    var items = Array.prototype.slice.call(document.querySelectorAll("[data-keynav] > li"));
    var status = filter.querySelector(".filter-status");
    filter.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-tag], button[data-status]");
      if (!button) return;
      if (button.hasAttribute("data-status")) {
        filter.querySelectorAll("button[data-status]").forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
      } else {
        button.setAttribute("aria-pressed", String(button.getAttribute("aria-pressed") !== "true"));
      }
      var chosen = Array.prototype.map.call(filter.querySelectorAll("button[data-tag][aria-pressed=true]"), function (b) { return b.dataset.tag; });
      var wanted = filter.querySelector("button[data-status][aria-pressed=true]").dataset.status;
      var shown = 0;
      items.forEach(function (item) {
        var tags = item.dataset.tags.split(" ");
        var keep = (!wanted || item.dataset.status === wanted) && chosen.every(function (t) { return tags.indexOf(t) >= 0; });
        item.hidden = !keep;
        if (keep) shown += 1;
      });
      status.textContent = chosen.length || wanted ? shown + " of " + items.length + " papers shown" : "";
      current = -1;
    });
  }

  /* Sort the index of all papers by title or by date added. */
  var sorter = document.querySelector("[data-sorter]");
  if (sorter) {
    sorter.hidden = false;
    var list = document.querySelector(".paper-index");
    sorter.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-sort]");
      if (!button) return;
      var key = button.dataset.sort;
      sorter.querySelectorAll("button").forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
      var rows = Array.prototype.slice.call(list.children);
      rows.sort(function (a, b) {
        return key === "added" ? Number(a.dataset.added) - Number(b.dataset.added) : a.dataset.title.localeCompare(b.dataset.title);
      });
      rows.forEach(function (row) { list.appendChild(row); });
      var jump = document.querySelector(".jump");
      if (jump) jump.hidden = key !== "title";
    });
  }

  /* Math: a page with any `[data-tex]` fetches the vendored KaTeX (from this site, so from file:// too)
     and typesets each span; until then, and without JavaScript, the readable text stays. */
  var formulas = document.querySelectorAll("[data-tex]");
  if (formulas.length) {
    var katexDir = (root.dataset.root || "") + "static/vendor/katex-0.19.1/";
    var sheet = document.createElement("link");
    sheet.rel = "stylesheet";
    sheet.href = katexDir + "katex.min.css";
    document.head.appendChild(sheet);
    var katexScript = document.createElement("script");
    katexScript.src = katexDir + "katex.min.js";
    katexScript.onload = function () {
      formulas.forEach(function (span) {
        window.katex.render(span.dataset.tex, span, { displayMode: span.classList.contains("math-display"), throwOnError: false });
        span.classList.add("typeset");
      });
    };
    document.head.appendChild(katexScript);
  }

  /* Keys: j/k move through papers (or to the next/previous paper of the list), ? shows the keys. */
  var keys = document.getElementById("keys");
  var closeKeys = keys && keys.querySelector(".close-keys");
  if (closeKeys) closeKeys.addEventListener("click", function () { keys.close(); });
  function typing(target) { return target.closest("input, textarea, select, [contenteditable=true]"); }
  function visibleItems() {
    return Array.prototype.filter.call(document.querySelectorAll("[data-keynav] > li"), function (li) { return !li.hidden; });
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === "?") {
      event.preventDefault();
      if (keys && keys.showModal && !keys.open) keys.showModal();
      return;
    }
    if (event.key !== "j" && event.key !== "k") return;
    var items = visibleItems();
    if (!items.length) {
      var link = document.querySelector(event.key === "j" ? "a[rel=next]" : "a[rel=prev]");
      if (link) window.location.href = link.href;
      return;
    }
    current = Math.max(0, Math.min(items.length - 1, current + (event.key === "j" ? 1 : -1)));
    items.forEach(function (li, i) { li.classList.toggle("current", i === current); });
    var target = items[current].querySelector("a");
    if (target) target.focus();
    items[current].scrollIntoView({ block: "nearest" });
  });
})();
