/* The search box on every page and the search page. lunr.js, the index's base (search-index.js)
   and, as queries need them, its shards (search-index/) are classic scripts injected on first use:
   fetch, modules and workers fail from file://. A keystroke's results are drawn only if no newer
   keystroke's were asked for meanwhile. Results are built with DOM text nodes only, never HTML strings. */
(function () {
  "use strict";
  var root = document.documentElement.dataset.root || "";
  var core = window.SitegenSearch;
  var state = { loading: null, searcher: null };
  var status = document.getElementById("search-status") || liveRegion();
  var POPUP_SIZE = 8;
  var PAGE_SIZE = 50;  // results drawn at a time on the search page
  var FIRST_DRAWN = 10;  // of them, drawn before the rest of their docs are loaded
  var REST_DELAY_MS = 250;  // the rest are drawn when no key has come for this long

  function announce(text) { status.textContent = text; }

  /* Where result counts are announced to screen readers: made here, on load, before anything is
     said in it (a region added along with its first words is not read out), not carried by every page. */
  function liveRegion() {
    var region = document.createElement("p");
    region.id = "search-status";
    region.className = "visually-hidden";
    region.setAttribute("role", "status");
    document.body.insertBefore(region, document.getElementById("main"));
    return region;
  }

  function addScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = root + src;
      script.onload = resolve;
      script.onerror = function () { reject(new Error("could not load " + src)); };
      document.head.appendChild(script);
    });
  }

  /* A shard's script hands its items to this global as it runs (before its load event). */
  var arrived = new Map();
  window.SITEGEN_SEARCH_SHARD = function (kind, number, items) { arrived.set(kind + "/" + number, items); };

  function loadShard(kind, number) {
    var key = kind + "/" + number;
    return addScript(state.searcher.base.folder + kind + "-" + number + ".js").then(function () {
      var items = arrived.get(key);
      arrived.delete(key);
      if (items === undefined) throw new Error("could not load " + key);
      return items;
    });
  }

  /* lunr.js and the index's base (its terms, field lengths and where each shard starts), once. */
  function loadIndex() {
    if (!state.loading) {
      state.loading = addScript("static/vendor/lunr-2.3.9/lunr.js")
        .then(function () { return addScript("search-index.js"); })
        .then(function () {
          state.searcher = new core.Searcher(window.lunr, window.SITEGEN_SEARCH, loadShard);
          whenIdle(state.searcher);
          return state;
        });
      state.loading.catch(function () { state.loading = null; });  // the next keystroke tries again
    }
    return state.loading;
  }

  /* What a typo needs (lunr's TokenSet of the terms) built in idle time, a few milliseconds at a time. */
  var idle = window.requestIdleCallback || function (work) { setTimeout(function () { work({ timeRemaining: function () { return 5; } }); }, 50); };
  function whenIdle(searcher) {
    idle(function step(deadline) {
      if (!searcher.prepare(function () { return deadline.timeRemaining() > 2; })) idle(step);
    });
  }

  /* The matches of a text (core.search's, the shards it needs loaded first), or {error} for a query that fails;
     a rejection when the index cannot be loaded. */
  function find(text) {
    if (!text.trim()) return Promise.resolve([]);
    return loadIndex().then(function () {
      try {
        return core.search(state.searcher, text);
      } catch (error) {
        return { error: error.message || String(error) };
      }
    });
  }

  /* What results show (their docs), loaded. */
  function shown(results) {
    return state.searcher.ensure("docs", results.map(function (r) { return r.ref; }));
  }

  /* The text with its matched words in <mark>: one text node for each run of unmatched words. */
  function marked(text, terms) {
    var fragment = document.createDocumentFragment(), plain = "";
    core.highlight(window.lunr, text, terms).forEach(function (part) {
      if (part[1]) {
        if (plain) fragment.appendChild(document.createTextNode(plain));
        plain = "";
        var mark = document.createElement("mark");
        mark.textContent = part[0];
        fragment.appendChild(mark);
      } else {
        plain += part[0];
      }
    });
    if (plain) fragment.appendChild(document.createTextNode(plain));
    return fragment;
  }

  /* About SNIPPET_LENGTH characters of a text around its first matched word: where a match in the notes is. */
  var SNIPPET_LENGTH = 200;
  function around(text, terms) {
    var offset = 0, at = -1;
    core.highlight(window.lunr, text, terms).some(function (part) {
      if (part[1]) { at = offset; return true; }
      offset += part[0].length;
      return false;
    });
    var start = at > SNIPPET_LENGTH / 2 ? text.lastIndexOf(" ", at - SNIPPET_LENGTH / 4) + 1 : 0;
    var end = start + SNIPPET_LENGTH < text.length ? text.lastIndexOf(" ", start + SNIPPET_LENGTH) : text.length;
    if (end <= start) end = Math.min(text.length, start + SNIPPET_LENGTH);
    return (start > 0 ? "…" : "") + text.slice(start, end) + (end < text.length ? "…" : "");
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /* A title as the pages show it: its math (doc.math, when it has some: runs of [readable text, TeX]) as spans KaTeX typesets
     (site.js's SitegenTypeset), the rest with its matched words marked. */
  function titleOf(doc, terms) {
    if (!doc.math) return marked(doc.title, terms);
    var fragment = document.createDocumentFragment();
    doc.math.forEach(function (run) {
      if (!run[1]) { fragment.appendChild(marked(run[0], terms)); return; }
      var span = el("span", "math", run[0]);
      span.dataset.tex = run[1];
      fragment.appendChild(span);
    });
    return fragment;
  }

  function typesetIn(container) {
    if (window.SitegenTypeset) window.SitegenTypeset(container.querySelectorAll("[data-tex]:not(.typeset)"));
  }

  function resultItem(result, withSnippet) {
    var doc = state.searcher.doc(result.ref);
    var li = el("li", "result");
    var link = el("a", "result-title");
    link.href = root + doc.url;
    link.appendChild(titleOf(doc, result.terms));
    li.appendChild(link);
    if (withSnippet) {
      if (doc.authors) {
        var authors = el("p", "result-authors");
        authors.appendChild(marked(doc.authors, result.terms));
        li.appendChild(authors);
      }
      var snippet = el("p", result.inNotes ? "snippet note-snippet" : "snippet");
      if (result.inNotes) snippet.appendChild(el("span", "snippet-label", "Your note: "));
      snippet.appendChild(marked(result.inNotes ? around(doc.notes, result.terms) : doc.snippet, result.terms));
      li.appendChild(snippet);
      li.appendChild(el("p", "result-status status-" + doc.status, doc.status));
      if (doc.tags) {
        var tags = el("p", "result-tags");
        tags.textContent = doc.tags.map(function (t) { return state.searcher.base.tags[t] || t; }).join(" · ");
        li.appendChild(tags);
      }
    }
    return li;
  }

  /* A count as the reader writes numbers ("1,234" in English). */
  var numbers = new Intl.NumberFormat();
  function formatCount(n) { return numbers.format(n); }

  function countText(n) { return n === 0 ? "No papers match." : n === 1 ? "1 paper matches." : formatCount(n) + " papers match."; }

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

  /* The header box: a popup of the best results and a link to all of them. */
  function setUpPopup(input, popup) {
    function close() { popup.hidden = true; input.setAttribute("aria-expanded", "false"); }
    var latest = 0;  // the newest keystroke's number: an older search that ends later draws nothing
    function update() {
      var text = input.value, asked = ++latest;
      if (!text.trim()) { close(); return; }
      find(text).then(function (results) {
        return results.error ? results : shown(results.slice(0, POPUP_SIZE)).then(function () { return results; });
      }).then(function (results) {
        if (asked !== latest) return;
        popup.textContent = "";
        if (results.error) {
          popup.appendChild(el("p", "empty", "Query not understood: " + results.error));
        } else {
          var list = el("ol", "popup-results");
          results.slice(0, POPUP_SIZE).forEach(function (r) { list.appendChild(resultItem(r, false)); });
          if (results.length) { popup.appendChild(list); typesetIn(list); }
          else popup.appendChild(el("p", "empty", "No papers match “" + text + "”."));
          var all = el("a", "all-results", results.length > POPUP_SIZE ? "All " + formatCount(results.length) + " results →" : "Search page →");
          all.href = root + "search/index.html?q=" + encodeURIComponent(text);
          popup.appendChild(all);
          announce(countText(results.length));
        }
        popup.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }, function () {
        if (asked !== latest) return;
        popup.textContent = "";
        popup.appendChild(el("p", "empty", "The search index could not be loaded."));
        popup.hidden = false;
        announce("The search index could not be loaded.");
      });
    }
    input.addEventListener("focus", function () { loadIndex().catch(function () {}); });
    input.addEventListener("input", update);  // at once: no timer before the first paint
    listKeys(input, popup, close);
    document.addEventListener("click", function (event) { if (!event.target.closest(".search-form")) close(); });
  }

  /* The search page: full results; status, tag and list facets with counts; sort. The text, the
     chosen filters and the sort are in the address (?q=&status=&tag=&list=&sort=), so reload and
     share keep them. On a narrow screen the filters fold into a "Filters" control above the results. */
  var FACETS = {
    status: { at: 0, names: function () { return {}; }, anyOf: true },
    tag: { at: 1, names: function () { return state.searcher.base.tags; }, anyOf: false },
    list: { at: 2, names: function () { return state.searcher.base.lists; }, anyOf: false }
  };
  var FACET_SIZE = 8;  // values shown before "more"
  var NARROW = window.matchMedia("(max-width: 40rem)");

  function setUpPage(input, page) {
    page.hidden = false;
    var resultsList = page.querySelector(".results");
    var count = page.querySelector(".result-count");
    var sort = page.querySelector("#search-sort");
    var moreButton = page.querySelector(".more-results");
    var filters = page.querySelector(".filters");
    var filterCount = page.querySelector(".filter-count");
    var clearButton = page.querySelector(".clear-filters");
    var chosen = {}, expanded = {};
    var params = new URLSearchParams(window.location.search);
    Object.keys(FACETS).forEach(function (kind) {
      chosen[kind] = params.getAll(kind);
      expanded[kind] = false;
    });
    if (params.get("sort") === "title") sort.value = "title";
    // What was shown (more than a page after "Show more results") and where the reader was: in the address and
    // the history entry, so that Back from a paper draws as many results and scrolls to where they were.
    var restoreShown = Math.max(0, parseInt(params.get("shown"), 10) || 0);
    var restoreScroll = history.state && typeof history.state.scroll === "number" ? history.state.scroll : null;
    var firstUpdate = true, rendered = 0;
    if ("scrollRestoration" in history) history.scrollRestoration = "manual";
    function keepScroll() {
      try { history.replaceState({ scroll: window.scrollY }, "", window.location.href); } catch (e) { /* some file:// setups refuse */ }
    }
    window.addEventListener("pagehide", keepScroll);
    resultsList.addEventListener("click", function (event) { if (event.target.closest("a")) keepScroll(); });

    function fold() { filters.open = !NARROW.matches; }
    fold();
    if (NARROW.addEventListener) NARROW.addEventListener("change", fold);

    function chosenCount() {
      return Object.keys(FACETS).reduce(function (n, kind) { return n + chosen[kind].length; }, 0);
    }

    function remember() {
      var url = new URL(window.location.href);
      ["q", "sort"].concat(Object.keys(FACETS)).forEach(function (key) { url.searchParams.delete(key); });
      if (input.value) url.searchParams.set("q", input.value);
      Object.keys(FACETS).forEach(function (kind) {
        chosen[kind].forEach(function (value) { url.searchParams.append(kind, value); });
      });
      if (sort.value !== "relevance") url.searchParams.set("sort", sort.value);
      url.searchParams.delete("shown");
      if (rendered > PAGE_SIZE) url.searchParams.set("shown", String(rendered));
      try { history.replaceState(history.state, "", url.href); } catch (e) { /* some file:// setups refuse */ }
    }

    /* Every value with its count among the shown results, the most common first; the chosen ones
       always (a chosen value no result has shows 0 and can be unticked); "more" shows the rest. */
    function facet(kind, counts) {
      var container = page.querySelector('[data-facet="' + kind + '"]');
      var names = FACETS[kind].names();
      chosen[kind].forEach(function (value) { if (!(value in counts)) counts[value] = 0; });
      var values = Object.keys(counts).sort(function (a, b) { return counts[b] - counts[a] || a.localeCompare(b); });
      var first = values.slice(0, FACET_SIZE);
      var rest = values.slice(FACET_SIZE);
      var shown = expanded[kind] ? values : first.concat(rest.filter(function (v) { return chosen[kind].indexOf(v) >= 0; }));
      container.textContent = "";
      container.closest("fieldset").hidden = values.length === 0;  // no heading over nothing
      shown.forEach(function (value) {
        var label = el("label", "facet");
        var box = el("input");
        box.type = "checkbox";
        box.value = value;
        box.checked = chosen[kind].indexOf(value) >= 0;
        box.addEventListener("change", function () {
          chosen[kind] = box.checked ? chosen[kind].concat([value]) : chosen[kind].filter(function (v) { return v !== value; });
          update();
        });
        label.appendChild(box);
        label.appendChild(document.createTextNode(" " + (names[value] || value) + " "));
        label.appendChild(el("span", "count", formatCount(counts[value])));
        container.appendChild(label);
      });
      if (values.length > FACET_SIZE) {
        var toggle = el("button", "facet-more", expanded[kind] ? "Fewer" : "More (" + (values.length - FACET_SIZE) + ")");
        toggle.type = "button";
        toggle.setAttribute("aria-expanded", String(expanded[kind]));
        toggle.addEventListener("click", function () { expanded[kind] = !expanded[kind]; update(); });
        container.appendChild(toggle);
      }
    }

    /* Every paper's values of each facet, numbered, in flat typed arrays (made once, when the facets shard
       has come): counting them over tens of thousands of results at each keystroke is then a tight loop. */
    var numbered = null;
    function facetValues() {
      if (!numbered) {
        var facets = state.searcher.item("facets", 0), papers = facets.papers;
        numbered = {};
        Object.keys(FACETS).forEach(function (kind) {
          var at = FACETS[kind].at, starts = new Int32Array(papers.length + 1), values = [];
          for (var ref = 0; ref < papers.length; ref++) {
            var value = papers[ref][at];  // a paper has one status, and a list of tags and of lists
            if (typeof value === "number") values.push(value);
            else for (var j = 0; j < value.length; j++) values.push(value[j]);
            starts[ref + 1] = values.length;
          }
          numbered[kind] = { names: facets[kind], starts: starts, values: Int32Array.from(values) };
        });
      }
      return numbered;
    }

    /* How many of the matches have each value of a facet, counted in a typed array. */
    function countValues(kind, matches) {
      var facet = facetValues()[kind], starts = facet.starts, values = facet.values, refs = matches.refs;
      var tally = new Int32Array(facet.names.length), counts = {};
      for (var i = 0; i < refs.length; i++) {
        var ref = refs[i];
        for (var j = starts[ref]; j < starts[ref + 1]; j++) tally[values[j]]++;
      }
      for (var k = 0; k < tally.length; k++) if (tally[k]) counts[facet.names[k]] = tally[k];
      return counts;
    }

    /* Whether a paper passes the chosen filters (all but `except`'s: a facet whose values are
       alternatives counts what ticking one more of them would add). */
    function keeps(ref, except) {
      var all = facetValues();
      return Object.keys(FACETS).every(function (kind) {
        if (kind === except) return true;
        var wanted = chosen[kind], facet = all[kind];
        if (!wanted.length) return true;
        var has = function (name) {
          for (var j = facet.starts[ref]; j < facet.starts[ref + 1]; j++) if (facet.names[facet.values[j]] === name) return true;
          return false;
        };
        return FACETS[kind].anyOf ? wanted.some(has) : wanted.every(has);
      });
    }

    /* No counts and no headings while there are no results to count. */
    function clearFacets() {
      Object.keys(FACETS).forEach(function (kind) {
        var container = page.querySelector('[data-facet="' + kind + '"]');
        container.textContent = "";
        container.closest("fieldset").hidden = true;
      });
    }

    /* The matches of the text, or, with no text but a filter chosen, every paper (the filters then pick). */
    function matchesOf(text) {
      if (text.trim()) return find(text);
      return loadIndex().then(function () { return core.everything(state.searcher); });
    }

    var latest = 0;  // the newest update's number: an older search that ends later draws nothing
    function update() {
      var restoring = firstUpdate;
      firstUpdate = false;
      if (!restoring) rendered = 0;  // a new query, filter or sort: a page of results, from the top
      remember();
      var n = chosenCount(), asked = ++latest;
      filterCount.textContent = n ? "(" + n + ")" : "";
      clearButton.hidden = n === 0;
      var text = input.value;
      if (!text.trim() && n === 0) {
        resultsList.textContent = "";
        count.textContent = "";
        moreButton.hidden = true;
        rendered = 0;
        clearFacets();
        return;
      }
      matchesOf(text).then(function (results) {
        // The facets (every paper's status, tags and lists: 1.8 MB at 100,000 papers) first only when filters pick
        // from the matches; else they load for the counts once the results show.
        if (results.error || !chosenCount()) return results;
        return state.searcher.ensure("facets", [0]).then(function () { return results; });
      }).then(function (results) {
        if (asked !== latest) return null;
        if (results.error) { resultsList.textContent = ""; count.textContent = "Search failed: " + results.error; return null; }
        var filtered = chosenCount() > 0;
        var kept = filtered ? results.filter(function (ref) { return keeps(ref); }) : results;
        // Papers are numbered in title order (the catalog's, as on the site's other pages): matches come in it.
        var byTitle = sort.value === "title";
        // Results are drawn as their docs arrive (each from its own small shard): the first few at once, with the
        // count, the rest of the page when typing pauses; one draw at a time, so "more" never draws before them.
        var drawing = Promise.resolve();
        rendered = 0;
        function more(size) {
          drawing = drawing.then(function () {
            var next = kept.slice(rendered, rendered + size, byTitle);
            return shown(next).then(function () {
              if (asked !== latest) return;
              var items = document.createDocumentFragment();
              next.forEach(function (r) { items.appendChild(resultItem(r, true)); });
              if (rendered === 0) resultsList.replaceChildren(items); else resultsList.appendChild(items);
              typesetIn(resultsList);
              rendered += next.length;
              moreButton.hidden = rendered >= kept.length;
            });
          });
          return drawing;
        }
        moreButton.onclick = function () { more(PAGE_SIZE).then(remember, unloaded); };
        var first = restoring && restoreShown > FIRST_DRAWN ? restoreShown : FIRST_DRAWN;
        return more(first).then(function () {
          if (asked !== latest) return null;
          var message = countText(kept.length);
          if (kept.length < results.length) message += " " + formatCount(results.length - kept.length) + " more without the filters.";
          count.textContent = message;
          announce(message);
          if (rendered > PAGE_SIZE) remember();
          if (restoring && restoreScroll !== null) window.scrollTo(0, restoreScroll);
          // The facets' counts (over every match: a few milliseconds at 100,000 papers) just after the results show.
          setTimeout(function () {
            if (asked !== latest) return;
            state.searcher.ensure("facets", [0]).then(function () {
              if (asked !== latest) return;
              Object.keys(FACETS).forEach(function (kind) {
                var counted = filtered && FACETS[kind].anyOf ? results.filter(function (ref) { return keeps(ref, kind); }) : kept;
                facet(kind, countValues(kind, counted));
              });
            }).catch(function () { if (asked === latest) unloaded(); });
          }, 0);
          // The rest of the page once typing pauses: its docs are tens of small scripts, each keystroke's others.
          if (rendered < PAGE_SIZE) {
            setTimeout(function () {
              if (asked === latest) more(PAGE_SIZE - rendered).catch(function () { if (asked === latest) unloaded(); });
            }, REST_DELAY_MS);
          }
          return null;
        });
      }).catch(function () { if (asked === latest) unloaded(); });
    }

    function unloaded() {
      count.textContent = "The search index could not be loaded.";
      announce(count.textContent);
    }

    clearButton.addEventListener("click", function () {
      Object.keys(FACETS).forEach(function (kind) { chosen[kind] = []; });
      update();
    });
    input.addEventListener("input", update);  // at once: no timer before the first paint
    sort.addEventListener("change", update);
    listKeys(input, resultsList, function () {});
    page.closest("main").querySelector("form").addEventListener("submit", function (event) { event.preventDefault(); update(); });
    input.value = params.get("q") || "";
    update();
  }

  var pageInput = document.getElementById("search-page-input");
  var page = document.querySelector("[data-search-page]");
  var headerInput = document.getElementById("site-search");
  var popup = document.getElementById("search-popup");
  if (headerInput && !popup) {
    /* The header box is a combobox only once this script runs: the pages carry a plain search field
       (it submits to the search page), and its popup and combobox attributes are made here. */
    popup = el("div", "search-popup");
    popup.id = "search-popup";
    popup.hidden = true;
    headerInput.parentNode.appendChild(popup);
    [["role", "combobox"], ["aria-expanded", "false"], ["aria-autocomplete", "list"], ["aria-controls", "search-popup"],
     ["aria-describedby", "search-status"], ["autocomplete", "off"], ["spellcheck", "false"]]
      .forEach(function (pair) { headerInput.setAttribute(pair[0], pair[1]); });
  }
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
