/* Search rules shared by the browser and the node tests; mirrors sitegen/search.py exactly:
   text normalization, the unicode trimmer, query building and result order.
   Works as a browser global (SitegenSearch) and as a CommonJS module. */
(function (factory) {
  if (typeof module === "object" && module.exports) module.exports = factory();
  else window.SitegenSearch = factory();
})(function () {
  "use strict";
  var MARKS = /\p{M}/gu;
  var CJK = /([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af])/g;
  var EDGES = /^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu;
  var SEPARATOR = /[ \-]+/;
  var SPACES = /[\t\n\v\f\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/g;
  var SYNTAX = /[:*~^]|(?:^|\s)[+-]\S/;

  function normalize(text) {
    return text.normalize("NFKD").replace(MARKS, "").toLowerCase().replace(CJK, " $1 ").replace(SPACES, " ");
  }

  function trim(word) { return word.replace(EDGES, ""); }

  function queryTerms(text) {
    return normalize(text).split(SEPARATOR).map(trim).filter(function (t) { return t.length > 0; });
  }

  var registered = false;
  /* The index's pipeline names "sitegen-trimmer"; lunr.js must know it before loading. */
  function register(lunr) {
    if (registered) return;
    var trimmer = function (token) { return token.update(trim); };
    lunr.Pipeline.registerFunction(trimmer, "sitegen-trimmer");
    registered = true;
  }

  function load(lunr, data) {
    register(lunr);
    return lunr.Index.load(data.index);
  }

  function stemOf(lunr, word) { return lunr.stemmer(new lunr.Token(word)).toString(); }

  function runQuery(lunr, index, text, boosts) {
    if (SYNTAX.test(text)) return index.search(normalize(text));
    var terms = queryTerms(text);
    if (!terms.length) return [];
    return index.query(function (q) {
      terms.forEach(function (term, i) {
        q.term(term, { boost: boosts.exact });
        if (i === terms.length - 1) {
          q.term(term, { boost: boosts.prefix, wildcard: lunr.Query.wildcard.TRAILING, usePipeline: false });
        }
        if (Array.from(term).length >= boosts.fuzzyMinLength) {
          q.term(stemOf(lunr, term), { boost: boosts.fuzzy, editDistance: 1, usePipeline: false });
        }
      });
    });
  }

  /* [{ref, score, terms}] best first: exact title match, then score, then ref (as search.py). */
  function search(lunr, index, data, text) {
    var wanted = queryTerms(text).join(" ");
    var results = runQuery(lunr, index, text, data.boosts).map(function (r) {
      var ref = Number(r.ref);
      return {
        ref: ref,
        score: r.score,
        exact: queryTerms(data.docs[ref][0]).join(" ") === wanted,
        key: Math.floor(r.score * 1e9 + 0.5),
        terms: Object.keys(r.matchData.metadata)
      };
    });
    results.sort(function (a, b) {
      if (a.exact !== b.exact) return a.exact ? -1 : 1;
      if (a.key !== b.key) return b.key - a.key;
      return a.ref - b.ref;
    });
    return results;
  }

  /* Split text into [piece, matched] so the UI can mark matched words without HTML strings. */
  function highlight(lunr, text, matchedTerms) {
    var wanted = {};
    matchedTerms.forEach(function (t) { wanted[t] = true; });
    return text.split(/(\s+)/).map(function (piece) {
      var word = trim(normalize(piece).trim());
      return [piece, word.length > 0 && wanted[stemOf(lunr, word)] === true];
    });
  }

  return { normalize: normalize, trim: trim, queryTerms: queryTerms, register: register, load: load,
           search: search, highlight: highlight, stemOf: stemOf };
});
