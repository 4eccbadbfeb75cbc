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
  // Every kind of space, and punctuation that joins words ("CLIP/ViT", "f(x)"): as in search.py.
  var SPACES = /[\t\n\v\f\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\/()\[\]{}<>=,;!?"|\\&\u201c\u201d]/g;
  var SYNTAX = /[:*~^]|(?:^|\s)[+-]\S/;

  function normalize(text) {
    return text.normalize("NFKD").replace(MARKS, "").toLowerCase().replace(CJK, " $1 ").replace(SPACES, " ");
  }

  function trim(word) { return word.replace(EDGES, ""); }

  function queryTerms(text) {
    return normalize(text).split(SEPARATOR).map(trim).filter(function (t) { return t.length > 0; });
  }

  /* The lunr-schema index from the shipped payload; mirrors expand() in sitegen/search.py. */
  var K1 = 1.2, B = 0.75;
  var NO_METADATA = {};  // lunr only reads a posting's metadata: one empty object serves them all
  function expand(data) {
    var fields = Object.keys(data.fields);
    var terms = data.terms;
    var count = data.docs.length;
    var refsOf = {}, vectors = {}, averages = {};
    fields.forEach(function (f) {
      refsOf[f] = data.postings[f].map(function (gaps) {
        var total = 0;
        return gaps.map(function (gap) { total += gap; return total; });
      });
      vectors[f] = [];
      for (var r = 0; r < count; r++) vectors[f].push([]);
      var sum = 0;
      data.lengths[f].forEach(function (n) { sum += n; });
      averages[f] = count ? sum / count : 0;
    });
    var inverted = new Array(terms.length);
    for (var i = 0; i < terms.length; i++) {
      var withTerm = 0;
      for (var k = 0; k < fields.length; k++) withTerm += refsOf[fields[k]][i].length;
      var idf = Math.log(1 + Math.abs((count - withTerm + 0.5) / (withTerm + 0.5)));
      for (k = 0; k < fields.length; k++) {
        var f = fields[k], refs = refsOf[f][i], tfs = data.frequencies[f][i], lengths = data.lengths[f];
        var boost = data.fields[f], average = averages[f], fieldVector = vectors[f];
        for (var j = 0; j < refs.length; j++) {
          var ref = refs[j], tf = tfs.length ? tfs[j] : 1;
          var score = idf * ((K1 + 1) * tf) / (K1 * (1 - B + B * (lengths[ref] / average)) + tf) * boost;
          fieldVector[ref].push(i, score);
        }
      }
      inverted[i] = [terms[i], lazyPosting(i, fields, refsOf)];
    }
    var fieldVectors = [];
    fields.forEach(function (f) {
      for (var r = 0; r < count; r++) fieldVectors.push([f + "/" + r, vectors[f][r]]);
    });
    return { version: "2.3.9", fields: fields, fieldVectors: fieldVectors, invertedIndex: inverted, pipeline: ["stemmer"] };
  }

  /* A term's posting, each field's {ref: metadata} made when lunr first reads it: most terms are
     never queried, and making a million small objects up front was most of the load time. */
  function lazyPosting(i, fields, refsOf) {
    var posting = { _index: i };
    fields.forEach(function (f) {
      Object.defineProperty(posting, f, {
        enumerable: true,
        configurable: true,
        get: function () {
          var entries = {}, refs = refsOf[f][i];
          for (var j = 0; j < refs.length; j++) entries[refs[j]] = NO_METADATA;
          Object.defineProperty(posting, f, { value: entries, enumerable: true, writable: true, configurable: true });
          return entries;
        }
      });
    });
    return posting;
  }

  function load(lunr, data) { return lunr.Index.load(expand(data)); }

  function stemOf(lunr, word) { return lunr.stemmer(new lunr.Token(word)).toString(); }

  /* Mirrors build_query() in sitegen/search.py. */
  function runQuery(lunr, index, text, boosts) {
    if (SYNTAX.test(text)) return index.search(normalize(text));
    var terms = queryTerms(text);
    if (!terms.length) return [];
    return index.query(function (q) {
      terms.forEach(function (term, i) {
        q.term(term, { boost: boosts.exact });
        var length = Array.from(term).length;
        var known = Object.prototype.hasOwnProperty.call(index.invertedIndex, stemOf(lunr, term));
        if (i === terms.length - 1) {
          if (length >= boosts.prefixMinLength) {
            q.term(term, { boost: boosts.prefix, wildcard: lunr.Query.wildcard.TRAILING, usePipeline: false });
          }
          var chars = Array.from(term);
          for (var end = length - 1; !known && end >= boosts.stemPrefixMinLength; end--) {
            var head = chars.slice(0, end).join("");
            if (Object.prototype.hasOwnProperty.call(index.invertedIndex, head)) {
              q.term(head, { boost: boosts.prefix, usePipeline: false });
              break;
            }
          }
        }
        if (!known && length >= boosts.fuzzyMinLength) {
          q.term(stemOf(lunr, term), { boost: boosts.fuzzy, editDistance: 1, usePipeline: false });
        }
      });
    });
  }

  /* [{ref, score, terms}] best first: exact title match, then score, then ref (as search.py). */
  var titleTerms = new WeakMap();  // payload → (doc → its title's query terms), computed once
  function titleOf(data, ref) {
    if (!titleTerms.has(data)) titleTerms.set(data, new Map());
    var titles = titleTerms.get(data);
    if (!titles.has(ref)) titles.set(ref, queryTerms(data.docs[ref][0]).join(" "));
    return titles.get(ref);
  }

  function search(lunr, index, data, text) {
    var wanted = queryTerms(text).join(" ");
    var results = runQuery(lunr, index, text, data.boosts).map(function (r) {
      var ref = Number(r.ref);
      return {
        ref: ref,
        score: r.score,
        exact: titleOf(data, ref) === wanted,
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

  return { normalize: normalize, trim: trim, queryTerms: queryTerms, expand: expand, load: load,
           search: search, highlight: highlight, stemOf: stemOf };
});
