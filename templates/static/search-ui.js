/* The search box on every page and the search page. The index (search-index.js) and lunr.js
   are classic scripts injected on first use: fetch, modules and workers fail from file://.
   Results are built with DOM text nodes only, never HTML strings. */
(function () {
  "use strict";
  var root = document.documentElement.dataset.root || "";
  var core = window.SitegenSearch;
  var state = { loading: null, index: null, data: null };
  var status = document.getElementById("search-status");
  var lastSearchMs = 0;  // how long the last search took: the debounce adapts to it
  var POPUP_SIZE = 8;
  var PAGE_SIZE = 50;  // results drawn at a time on the search page

  function announce(text) { if (status) status.textContent = text; }

  function addScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = root + src;
      script.onload = resolve;
      script.onerror = function () { reject(new Error("could not load " + src)); };
      document.head.appendChild(script);
    });
  }

  function loadIndex() {
    if (!state.loading) {
      state.loading = addScript("static/vendor/lunr-2.3.9/lunr.js")
        .then(function () { return addScript("search-index.js"); })
        .then(function () {
          state.data = window.SITEGEN_SEARCH;
          state.index = core.load(window.lunr, state.data);
          return state;
        });
    }
    return state.loading;
  }

  function run(text) {
    if (!text.trim()) return [];
    var started = performance.now();
    try {
      return core.search(window.lunr, state.index, state.data, text);
    } catch (error) {
      return { error: error.message || String(error) };
    } finally {
      lastSearchMs = performance.now() - started;
    }
  }

  function marked(text, terms) {
    var fragment = document.createDocumentFragment();
    core.highlight(window.lunr, text, terms).forEach(function (part) {
      if (part[1]) {
        var mark = document.createElement("mark");
        mark.textContent = part[0];
        fragment.appendChild(mark);
      } else {
        fragment.appendChild(document.createTextNode(part[0]));
      }
    });
    return fragment;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function resultItem(result, withSnippet) {
    var doc = state.data.docs[result.ref];
    var li = el("li", "result");
    var link = el("a", "result-title");
    link.href = root + doc[1];
    link.appendChild(marked(doc[0], result.terms));
    li.appendChild(link);
    if (withSnippet) {
      var snippet = el("p", "snippet");
      snippet.appendChild(marked(doc[4], result.terms));
      li.appendChild(snippet);
      if (doc[2].length) {
        var tags = el("p", "result-tags");
        tags.textContent = doc[2].map(function (t) { return state.data.tags[t] || t; }).join(" · ");
        li.appendChild(tags);
      }
    }
    return li;
  }

  function countText(n) { return n === 0 ? "No papers match." : n === 1 ? "1 paper matches." : n + " papers match."; }

  /* Arrow keys move through result links, Enter opens (native), Esc closes. */
  function listKeys(input, container, onEscape) {
    input.addEventListener("keydown", function (event) {
      var links = Array.prototype.slice.call(container.querySelectorAll("a"));
      if (event.key === "ArrowDown" && links.length) { event.preventDefault(); links[0].focus(); }
      if (event.key === "Escape") onEscape();
    });
    container.addEventListener("keydown", function (event) {
      var links = Array.prototype.slice.call(container.querySelectorAll("a"));
      var i = links.indexOf(document.activeElement);
      if (event.key === "ArrowDown" && i >= 0) { event.preventDefault(); (links[i + 1] || links[i]).focus(); }
      if (event.key === "ArrowUp" && i >= 0) { event.preventDefault(); (i === 0 ? input : links[i - 1]).focus(); }
      if (event.key === "Escape") { input.focus(); onEscape(); }
    });
  }

  /* Debounced by what a search costs: at once while searches are quick; when they are slow, keys
     typed during one are gathered into the next, so fast typing never queues searches to throw away. */
  function debounce(fn) {
    var timer = null;
    return function () { clearTimeout(timer); timer = setTimeout(fn, lastSearchMs > 50 ? 30 : 0); };
  }

  /* The header box: a popup of the best results and a link to all of them. */
  function setUpPopup(input, popup) {
    function close() { popup.hidden = true; input.setAttribute("aria-expanded", "false"); }
    function update() {
      var text = input.value;
      if (!text.trim()) { close(); return; }
      loadIndex().then(function () {
        var results = run(text);
        popup.textContent = "";
        if (results.error) {
          popup.appendChild(el("p", "empty", "Query not understood: " + results.error));
        } else {
          var list = el("ol", "popup-results");
          results.slice(0, POPUP_SIZE).forEach(function (r) { list.appendChild(resultItem(r, false)); });
          if (results.length) popup.appendChild(list);
          else popup.appendChild(el("p", "empty", "No papers match “" + text + "”."));
          var all = el("a", "all-results", results.length > POPUP_SIZE ? "All " + results.length + " results →" : "Search page →");
          all.href = root + "search/index.html?q=" + encodeURIComponent(text);
          popup.appendChild(all);
          announce(countText(results.length));
        }
        popup.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }, function () {
        popup.textContent = "";
        popup.appendChild(el("p", "empty", "The search index could not be loaded."));
        popup.hidden = false;
        announce("The search index could not be loaded.");
      });
    }
    input.addEventListener("focus", function () { loadIndex().catch(function () {}); });
    input.addEventListener("input", debounce(update));
    listKeys(input, popup, close);
    document.addEventListener("click", function (event) { if (!event.target.closest(".search-form")) close(); });
  }

  /* The search page: full results, tag and list facets with counts, sort, ?q= in the address. */
  function setUpPage(input, page) {
    page.hidden = false;
    var resultsList = page.querySelector(".results");
    var count = page.querySelector(".result-count");
    var sort = page.querySelector("#search-sort");
    var moreButton = page.querySelector(".more-results");
    var chosen = { tags: {}, lists: {} };

    function facet(container, kind, counts, names) {
      container.textContent = "";
      Object.keys(counts).sort(function (a, b) { return counts[b] - counts[a] || a.localeCompare(b); }).slice(0, 20).forEach(function (key) {
        var label = el("label", "facet");
        var box = el("input");
        box.type = "checkbox";
        box.checked = !!chosen[kind][key];
        box.addEventListener("change", function () { chosen[kind][key] = box.checked; update(); });
        label.appendChild(box);
        label.appendChild(document.createTextNode(" " + (names[key] || key) + " "));
        label.appendChild(el("span", "count", String(counts[key])));
        container.appendChild(label);
      });
    }

    function update() {
      var text = input.value;
      var url = new URL(window.location.href);
      if (text) url.searchParams.set("q", text); else url.searchParams.delete("q");
      try { history.replaceState(null, "", url.href); } catch (e) { /* some file:// setups refuse */ }
      if (!text.trim()) { resultsList.textContent = ""; count.textContent = ""; return; }
      loadIndex().then(function () {
        var results = run(text);
        resultsList.textContent = "";
        if (results.error) { count.textContent = "Query not understood: " + results.error; return; }
        var docs = state.data.docs;
        var wantTags = Object.keys(chosen.tags).filter(function (k) { return chosen.tags[k]; });
        var wantLists = Object.keys(chosen.lists).filter(function (k) { return chosen.lists[k]; });
        var shown = results.filter(function (r) {
          var doc = docs[r.ref];
          return wantTags.every(function (t) { return doc[2].indexOf(t) >= 0; }) &&
                 wantLists.every(function (l) { return doc[3].indexOf(l) >= 0; });
        });
        var tagCounts = {}, listCounts = {};
        shown.forEach(function (r) {
          docs[r.ref][2].forEach(function (t) { tagCounts[t] = (tagCounts[t] || 0) + 1; });
          docs[r.ref][3].forEach(function (l) { listCounts[l] = (listCounts[l] || 0) + 1; });
        });
        facet(page.querySelector(".facet-tags"), "tags", tagCounts, state.data.tags);
        facet(page.querySelector(".facet-lists"), "lists", listCounts, state.data.lists);
        if (sort.value === "title") {
          shown = shown.slice().sort(function (a, b) { return docs[a.ref][0].localeCompare(docs[b.ref][0]); });
        }
        var rendered = 0;
        function more() {
          shown.slice(rendered, rendered + PAGE_SIZE).forEach(function (r) { resultsList.appendChild(resultItem(r, true)); });
          rendered = Math.min(shown.length, rendered + PAGE_SIZE);
          moreButton.hidden = rendered >= shown.length;
        }
        moreButton.onclick = more;
        more();
        count.textContent = countText(shown.length);
        announce(countText(shown.length));
      }, function () {
        count.textContent = "The search index could not be loaded.";
        announce(count.textContent);
      });
    }

    input.addEventListener("input", debounce(update));
    sort.addEventListener("change", update);
    listKeys(input, resultsList, function () {});
    page.closest("main").querySelector("form").addEventListener("submit", function (event) { event.preventDefault(); update(); });
    var q = new URLSearchParams(window.location.search).get("q");
    if (q) { input.value = q; update(); }
  }

  var pageInput = document.getElementById("search-page-input");
  var page = document.querySelector("[data-search-page]");
  var headerInput = document.getElementById("site-search");
  var popup = document.getElementById("search-popup");
  if (pageInput && page) setUpPage(pageInput, page);
  if (headerInput && popup) setUpPopup(headerInput, popup);

  document.addEventListener("keydown", function (event) {
    var typing = event.target.closest && event.target.closest("input, textarea, select");
    var wantsSearch = (event.key === "/" && !typing) || ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k");
    if (!wantsSearch) return;
    event.preventDefault();
    var target = pageInput || headerInput;
    if (target) { target.focus(); target.select(); }
  });
})();
