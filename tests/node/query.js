// Runs the browser's search code in node against a built index: the cross-implementation check.
// stdin: {"site": DIR, "queries": [...], "words": [...], "expand": bool}
// stdout: {"results": {query: [[ref, score], ...]}, "terms": {word: [term] or []}, "expanded": lunr-schema index}
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
const index = core.load(lunr, data);

const results = {};
for (const query of input.queries || []) {
  results[query] = core.search(lunr, index, data, query).map((r) => [r.ref, r.score]);
}
// What the browser does to a typed word before it meets the index: normalize, split, trim, then
// the index's search pipeline (the stemmer); stop words find nothing, as in the index.
const terms = {};
for (const word of input.words || []) {
  terms[word] = core.queryTerms(word).flatMap((t) => {
    const token = new lunr.Token(t);
    if (!lunr.stopWordFilter(token)) return [];
    return index.pipeline.runString(t);
  });
}
const expanded = input.expand ? core.expand(data) : null;
process.stdout.write(JSON.stringify({ results, terms, expanded }));
