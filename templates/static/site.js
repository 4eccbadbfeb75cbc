/* Progressive enhancements: theme toggle, copy BibTeX, status and tag filters, sorting, math, keyboard keys.
   The site works without this file; search lives in search-core.js and search-ui.js. */
(function () {
  "use strict";
  var root = document.documentElement;
  var current = -1; /* the paper j/k last moved to */

  /* The way up to the site root, from where this very script was loaded (static/site.js), kept on
     <html data-root> for this file and search-ui.js: pages need not carry it. */
  var self = document.currentScript && document.currentScript.getAttribute("src");
  if (self && root.dataset.root === undefined) root.dataset.root = self.replace(/static\/site\.js(\?.*)?$/, "");

  /* Search (search-core.js, then search-ui.js) is loaded from here, in order, so that each page names
     one script rather than three; from file:// too, as classic scripts. */
  ["static/search-core.js", "static/search-ui.js"].forEach(function (src) {
    var script = document.createElement("script");
    script.src = (root.dataset.root || "") + src;
    script.async = false;
    document.head.appendChild(script);
  });

  function systemDark() { return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches; }
  function currentTheme() { return root.dataset.theme || (systemDark() ? "dark" : "light"); }

  /* Elements that only work with JavaScript are made here, so pages without it do not carry them. */
  function make(tag, attributes, text) {
    var element = document.createElement(tag);
    Object.keys(attributes).forEach(function (name) { element.setAttribute(name, attributes[name]); });
    if (text) element.textContent = text;
    return element;
  }

  var bar = document.querySelector(".site-header .bar");
  if (bar) {
    var toggle = make("button", { "class": "theme-toggle", type: "button", "aria-label": "Switch between dark and light theme", title: "Dark / light theme" });
    toggle.appendChild(make("span", { "aria-hidden": "true" }, "◐"));
    bar.appendChild(toggle);
    toggle.setAttribute("aria-pressed", String(currentTheme() === "dark"));
    toggle.addEventListener("click", function () {
      var next = currentTheme() === "dark" ? "light" : "dark";
      root.dataset.theme = next;
      toggle.setAttribute("aria-pressed", String(next === "dark"));
      try { localStorage.setItem("sitegen-theme", next); } catch (e) { /* not saved; fine */ }
    });
  }

  // The "/" and "?" keys are a keyboard's: told where one is likely (a pointer that hovers), not on a phone.
  var keyboard = !window.matchMedia || window.matchMedia("(hover: hover) and (pointer: fine)").matches;
  var searchBox = document.getElementById("site-search");
  if (keyboard && searchBox) searchBox.placeholder += "  /";
  var footer = document.querySelector(".site-footer p");
  if (footer && keyboard) {
    var hint = make("span", {}, " · Press ");
    hint.appendChild(make("kbd", {}, "?"));
    hint.appendChild(document.createTextNode(" for keyboard shortcuts"));
    footer.appendChild(hint);
  }

  var KEYS = [[["/"], " or ", ["Ctrl", "K"], "Search"], [["j"], " / ", ["k"], "Next / previous paper"],
              [["↓", "↑", "Enter"], "", [], "Move through search results and open one"], [["Esc"], "", [], "Close search or this panel"],
              [["?"], "", [], "Show these keys"]];
  var keysPanel = null;
  function keys() {
    if (keysPanel) return keysPanel;
    keysPanel = make("dialog", { "class": "keys", id: "keys", "aria-labelledby": "keys-title" });
    keysPanel.appendChild(make("h2", { id: "keys-title" }, "Keyboard shortcuts"));
    var list = make("dl", {});
    KEYS.forEach(function (row) {
      var term = make("dt", {});
      var kbds = function (names) {
        names.forEach(function (name, i) {
          if (i) term.appendChild(document.createTextNode(" "));
          term.appendChild(make("kbd", {}, name));
        });
      };
      kbds(row[0]);
      if (row[1]) term.appendChild(document.createTextNode(row[1]));
      kbds(row[2]);
      list.appendChild(term);
      list.appendChild(make("dd", {}, row[3]));
    });
    keysPanel.appendChild(list);
    var close = make("button", { type: "button", "class": "close-keys" }, "Close");
    close.addEventListener("click", function () { keysPanel.close(); });
    keysPanel.appendChild(close);
    document.body.appendChild(keysPanel);
    return keysPanel;
  }

  /* The Cite block's copy button. Works from file://: a selection copied with execCommand first
     (no permission needed), the Clipboard API only when that is refused. */
  var bibtex = document.getElementById("bibtex");
  if (bibtex) {
    var copyLine = make("p", {});
    var copy = make("button", { type: "button", "class": "copy-bibtex" }, "Copy BibTeX");
    var copyStatus = make("span", { "class": "copy-status", role: "status", "aria-live": "polite" });
    copyLine.appendChild(copy);
    copyLine.appendChild(document.createTextNode(" "));
    copyLine.appendChild(copyStatus);
    var cite = bibtex.closest(".cite");
    cite.insertBefore(copyLine, cite.firstChild);
    var selectBibtex = function () {
      var range = document.createRange();
      range.selectNodeContents(bibtex);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      copyStatus.textContent = "Selected: press Ctrl+C (⌘C) to copy";
    };
    copy.addEventListener("click", function () {
      var text = bibtex.textContent;
      var area = make("textarea", { readonly: "" });
      area.value = text;
      area.style.position = "fixed";
      area.style.top = "-1000px";
      document.body.appendChild(area);
      area.select();
      var copied = false;
      try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
      document.body.removeChild(area);
      if (copied) { copyStatus.textContent = "Copied"; return; }
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () { copyStatus.textContent = "Copied"; }, selectBibtex);
        return;
      }
      selectBibtex();
    });
  }

  /* Filter the papers of a list, tag or index page by reading status and by tags (a paper must have
     every chosen tag); the count of what is left is announced, each tag's count follows the chosen
     status, and the choice is kept in the address (?status=read&tag=x), so a reload or a shared link
     shows the same papers. A collection split over several pages has a rows script (data-rows) with
     all its papers: while a filter is on, the matches of every page are shown in place of this page's
     papers. */
  var filter = document.querySelector("[data-filter]");
  if (filter) {
    filter.hidden = false;
    var shownList = document.querySelector("[data-keynav]");
    var pageItems = Array.prototype.slice.call(shownList.children);
    var allItems = null;
    var rowsData = null;
    var filterStatus = filter.querySelector(".filter-status");
    var pager = document.querySelector(".pager");

    /* a row of the rows script: [middle of its path, title, status ('' unread), [numbers of its tags]] */
    var rowItem = function (data, row) {
      var item = document.createElement("li");
      item.className = "paper-item";
      if (row[3].length) item.dataset.tags = row[3].map(function (n) { return data.tags[n]; }).join(" ");
      if (row[2]) item.dataset.status = row[2];
      var link = document.createElement("a");
      link.href = (root.dataset.root || "") + data.path[0] + row[0] + data.path[1];
      link.textContent = row[1];
      item.appendChild(link);
      if (row[2]) {
        var badge = document.createElement("span");
        badge.className = "status status-" + row[2];
        badge.textContent = row[2];
        item.appendChild(document.createTextNode(" "));
        item.appendChild(badge);
      }
      return item;
    };
    var withEveryPaper = function (then) {
      if (!filter.dataset.rows || allItems) { then(); return; }
      var script = document.createElement("script");
      script.src = filter.dataset.rows;
      script.onload = function () {
        rowsData = window.sitegenRows;
        allItems = rowsData.rows.map(function (row) { return rowItem(rowsData, row); });
        then();
      };
      script.onerror = function () { filterStatus.textContent = "The papers of the other pages could not be loaded."; };
      document.head.appendChild(script);
    };
    var tagButtons = Array.prototype.slice.call(filter.querySelectorAll("button[data-tag]"));
    tagButtons.forEach(function (b) { b.dataset.count = b.querySelector(".count").textContent; });
    /* each tag's count among the papers of the chosen status (its count in the whole collection for "All") */
    var countTags = function (items, wanted) {
      var counts = {};
      if (wanted) {
        items.forEach(function (item) {
          if ((item.dataset.status || "unread") !== wanted) return;
          (item.dataset.tags || "").split(" ").forEach(function (t) { counts[t] = (counts[t] || 0) + 1; });
        });
      }
      tagButtons.forEach(function (b) { b.querySelector(".count").textContent = wanted ? String(counts[b.dataset.tag] || 0) : b.dataset.count; });
    };
    var statusButtons = Array.prototype.slice.call(filter.querySelectorAll("button[data-status]"));
    statusButtons.forEach(function (b) { b.dataset.count = b.querySelector(".count").textContent; });
    /* each status's count among the papers with every chosen tag (its count in the whole collection with none chosen) */
    var countStatuses = function (items, chosen) {
      var counts = { "": 0 };
      if (chosen.length) {
        items.forEach(function (item) {
          var tags = (item.dataset.tags || "").split(" ");
          if (!chosen.every(function (t) { return tags.indexOf(t) >= 0; })) return;
          var status = item.dataset.status || "unread";
          counts[status] = (counts[status] || 0) + 1;
          counts[""] += 1;
        });
      }
      statusButtons.forEach(function (b) { b.querySelector(".count").textContent = chosen.length ? String(counts[b.dataset.status] || 0) : b.dataset.count; });
    };
    var remember = function (chosen, wanted) {
      var url = new URL(window.location.href);
      url.searchParams.delete("status");
      url.searchParams.delete("tag");
      if (wanted) url.searchParams.set("status", wanted);
      chosen.forEach(function (t) { url.searchParams.append("tag", t); });
      try { history.replaceState(null, "", url.href); } catch (e) { /* some file:// setups refuse */ }
    };
    var applyFilter = function () {
      var chosen = Array.prototype.map.call(filter.querySelectorAll("button[data-tag][aria-pressed=true]"), function (b) { return b.dataset.tag; });
      var wanted = filter.querySelector("button[data-status][aria-pressed=true]").dataset.status;
      remember(chosen, wanted);
      var active = chosen.length > 0 || wanted !== "";
      /* An index or a tag (no tag chips) has rows only for the statuses few papers have (reading,
         read): unread is filtered on this page, its pager kept. */
      var everyPage = active && allItems !== null && (!rowsData.statuses || rowsData.statuses.indexOf(wanted) >= 0);
      var items = everyPage ? allItems : pageItems;
      var shown = 0;
      items.forEach(function (item) {
        /* pages leave out what is the same for most papers: no data-status is unread, no data-tags none */
        var tags = (item.dataset.tags || "").split(" ");
        var keep = (!wanted || (item.dataset.status || "unread") === wanted) && chosen.every(function (t) { return tags.indexOf(t) >= 0; });
        item.hidden = !keep;
        if (keep) shown += 1;
      });
      if (allItems) {
        var fragment = document.createDocumentFragment();
        items.forEach(function (item) { fragment.appendChild(item); });
        shownList.replaceChildren(fragment);
        shownList.classList.toggle("filtered", everyPage);
        if (pager) pager.hidden = everyPage;
      }
      countTags(allItems || pageItems, wanted);
      countStatuses(allItems || pageItems, chosen);
      var total = everyPage ? rowsData.count : items.length;
      filterStatus.textContent = active ? shown + " of " + total + " papers" + (allItems && !everyPage ? " on this page" : "") + " shown" : "";
      current = -1;
    };
    filter.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-tag], button[data-status]");
      if (!button) return;
      if (button.hasAttribute("data-status")) {
        filter.querySelectorAll("button[data-status]").forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
      } else {
        button.setAttribute("aria-pressed", String(button.getAttribute("aria-pressed") !== "true"));
      }
      withEveryPaper(applyFilter);
    });
    /* A filter in the address (a reload, a shared link): chosen as if clicked. */
    var asked = new URLSearchParams(window.location.search);
    var askedStatus = filter.querySelector('button[data-status="' + CSS.escape(asked.get("status") || "") + '"]') || filter.querySelector('button[data-status=""]');
    var askedTags = tagButtons.filter(function (b) { return asked.getAll("tag").indexOf(b.dataset.tag) >= 0; });
    if (askedStatus.dataset.status || askedTags.length) {
      filter.querySelectorAll("button[data-status]").forEach(function (b) { b.setAttribute("aria-pressed", String(b === askedStatus)); });
      askedTags.forEach(function (b) { b.setAttribute("aria-pressed", "true"); });
      var folded = askedTags.length && askedTags[askedTags.length - 1].closest("details");
      if (folded) folded.open = true;
      if (askedTags.length) askedTags[0].scrollIntoView({ block: "nearest", inline: "center" });  // a chip far along a phone's row
      withEveryPaper(applyFilter);
    } else if (asked.has("status") || asked.has("tag")) {
      remember([], "");  // values this page has no filter for leave the address
    }
  }

  /* Sort the index of all papers by title or by date added. */
  var sorter = document.querySelector("[data-sorter]");
  if (sorter) {
    sorter.hidden = false;
    var list = document.querySelector(".paper-index, ol.papers");
    sorter.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-sort]");
      if (!button) return;
      var key = button.dataset.sort;
      sorter.querySelectorAll("button").forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
      var rows = Array.prototype.slice.call(list.children);
      /* the title is the row's first link; a list's order is its number */
      var title = function (row) { return row.querySelector("a").textContent.toLowerCase(); };
      var position = function (row) { return Number(row.querySelector(".number").textContent); };
      rows.sort(function (a, b) {
        if (key === "year") {  /* newest first; papers of no known year last */
          return (Number(b.dataset.year) || 0) - (Number(a.dataset.year) || 0) || title(a).localeCompare(title(b));
        }
        if (key === "position") return position(a) - position(b);
        if (key === "added") return Number(a.dataset.added) - Number(b.dataset.added);
        return title(a).localeCompare(title(b));
      });
      rows.forEach(function (row) { list.appendChild(row); });
      var jump = document.querySelector(".jump");
      if (jump) jump.hidden = key !== "title";
    });
  }

  /* Math: a page with any `[data-tex]` fetches the vendored KaTeX (from this site, so from file:// too)
     and typesets each span; until then, and without JavaScript, the readable text stays. Search results
     drawn later (search-ui.js) are typeset through the same function, window.SitegenTypeset. */
  var katexLoading = null;
  function typeset(spans) {
    if (!spans.length) return;
    if (!katexLoading) {
      var katexDir = (root.dataset.root || "") + "static/vendor/katex-0.19.1/";
      var sheet = document.createElement("link");
      sheet.rel = "stylesheet";
      sheet.href = katexDir + "katex.min.css";
      document.head.appendChild(sheet);
      katexLoading = new Promise(function (resolve, reject) {
        var katexScript = document.createElement("script");
        katexScript.src = katexDir + "katex.min.js";
        katexScript.onload = resolve;
        katexScript.onerror = reject;
        document.head.appendChild(katexScript);
      });
    }
    katexLoading.then(function () {
      Array.prototype.forEach.call(spans, function (span) {
        if (span.classList.contains("typeset") || !span.isConnected) return;
        window.katex.render(span.dataset.tex, span, { displayMode: span.classList.contains("math-display"), throwOnError: false });
        span.classList.add("typeset");
      });
    }, function () { katexLoading = null; });  /* the readable text stays; a later call tries again */
  }
  window.SitegenTypeset = typeset;
  typeset(document.querySelectorAll("[data-tex]"));

  /* Keys: j/k move through papers (or to the next/previous paper of the list), ? shows the keys. */
  function typing(target) { return target.closest("input, textarea, select, [contenteditable=true]"); }
  function visibleItems() {
    return Array.prototype.filter.call(document.querySelectorAll("[data-keynav] > li"), function (li) { return !li.hidden; });
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === "?") {
      event.preventDefault();
      var panel = keys();
      if (panel.showModal && !panel.open) panel.showModal();
      return;
    }
    if (event.key !== "j" && event.key !== "k") return;
    var items = visibleItems();
    var step = event.key === "j" ? 1 : -1;
    /* past either end of this page: the next (previous) page of the list, or paper of the list */
    if (!items.length || current + step >= items.length || current + step < 0) {
      var link = document.querySelector(event.key === "j" ? "a[rel=next]" : "a[rel=prev]");
      if (link && !link.closest("[hidden]")) { window.location.href = link.href; return; }
      if (!items.length) return;
    }
    current = Math.max(0, Math.min(items.length - 1, current + step));
    items.forEach(function (li, i) { li.classList.toggle("current", i === current); });
    var target = items[current].querySelector("a");
    if (target) target.focus();
    items[current].scrollIntoView({ block: "nearest" });
  });
})();
