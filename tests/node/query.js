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
// What the browser makes of a text before it meets the index: normalize, split, trim, stop words, stem.
const terms = {};
for (const word of input.words || []) terms[word] = core.indexTerms(lunr, word);
const expanded = input.expand ? core.expand(data) : null;
process.stdout.write(JSON.stringify({ results, terms, expanded }));
