/* The tests' reference for the browser's search: lunr.js's own Index.query on the lunr-schema index (`expand`
   + lunr.Index.load), as a `runQuery` for search-core.js's search(). search-core.js scores from the postings
   instead; with this it must return exactly the same papers, scores and matched terms. Test code only. */
"use strict";

/* The lunr-schema index from the shipped payload; as expand() in tests/search_reference.py. */
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
  return { version: "2.3.9", fields: fields, fieldVectors: fieldVectors, invertedIndex: inverted, pipeline: [] };
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

/* A runQuery for core.search: lunr's Index.query, its results as search-core.js's execute() gives them (by
   paper: score, which query words its matched terms find, in the title, in the notes; the matched terms). */
function executor(lunr, index, core) {
  return function (searcher, query, words) {
    var n = searcher.count, found = new Int32Array(n), exact = new Int32Array(n), inTitle = new Int32Array(n);
    var inNotes = new Uint8Array(n), inText = new Int32Array(n), scores = new Float64Array(n), termsOf = new Map(), refs = [];
    index.query(function (q) { query.clauses.forEach(function (clause) { q.clause(Object.assign({}, clause)); }); }).forEach(function (r) {
      var ref = Number(r.ref), matched = r.matchData.metadata;
      refs.push(ref);
      scores[ref] = r.score;
      termsOf.set(ref, Object.keys(matched));
      Object.keys(matched).forEach(function (term) {
        var f = 0, e = 0;
        words.forEach(function (w, i) {
          if (core.foundBy(w, term)) f |= 1 << i;
          if (term === w.stem || term === w.whole) e |= 1 << i;
        });
        found[ref] |= f;
        exact[ref] |= e;
        if (Object.prototype.hasOwnProperty.call(matched[term], "title")) inTitle[ref] |= f;
        if (Object.prototype.hasOwnProperty.call(matched[term], "notes")) inNotes[ref] = 1;
        if (Object.keys(matched[term]).some(function (f) { return f !== "tags" && f !== "lists"; })) inText[ref] |= f;
      });
    });
    return { refs: Int32Array.from(refs).sort(), scores: scores, found: found, exact: exact, inTitle: inTitle, inNotes: inNotes, inText: inText,
             termsOf: function (ref) { return termsOf.get(ref) || []; } };
  };
}

module.exports = { expand: expand, load: load, executor: executor };
