// Runs the browser's search code in node against a built index: the cross-implementation check.
// stdin: {"site": DIR, "queries": [...], "words": [...], "expand": bool, "reference": bool}
// stdout: {"results": {query: [[ref, score], ...]}, "terms": {word: [term] or []}, "expanded": lunr-schema index,
//          "reference": {query: [[ref, score], ...]} from lunr's own Index.query (lunr-reference.js), "matched": {query: [terms of the first result]}}
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");
const lunr = require("lunr");
const core = require(path.join(__dirname, "..", "..", "templates", "static", "search-core.js"));

const input = JSON.parse(fs.readFileSync(0, "utf8"));
const sandbox = { window: {} };
vm.runInNewContext(fs.readFileSync(path.join(input.site, "search-index.js"), "utf8"), sandbox);
const data = sandbox.window.SITEGEN_SEARCH;
const searcher = core.load(lunr, data);

const results = {};
const matched = {};
for (const query of input.queries || []) {
  const found = core.search(searcher, query);
  results[query] = found.map((r) => [r.ref, r.score]);
  matched[query] = found.length ? found[0].terms.slice().sort() : [];
}
let reference = null;
if (input.reference) {
  const old = require(path.join(__dirname, "lunr-reference.js"));
  const index = old.load(lunr, data);
  reference = {};
  for (const query of input.queries || []) {
    const found = old.search(lunr, index, data, query);
    reference[query] = found.map((r) => [r.ref, r.score]);
    matched[query + "\u0000reference"] = found.length ? found[0].terms.slice().sort() : [];
  }
}
// What the browser makes of a text before it meets the index: normalize, split, trim, stop words, stem.
const terms = {};
for (const word of input.words || []) terms[word] = core.indexTerms(lunr, word);
const expanded = input.expand ? core.expand(data) : null;
process.stdout.write(JSON.stringify({ results, terms, expanded, reference, matched }));
