// Runs the browser's search code in node against a built index (its base and the shards each query
// loads, read from disk as the page injects them): the cross-implementation check.
// stdin: {"site": DIR, "queries": [...], "words": [...], "expand": bool, "reference": bool}
// stdout: {"results": {query: [[ref, score], ...]}, "terms": {word: [term] or []}, "expanded": lunr-schema index,
//          "reference": {query: [[ref, score], ...]} with lunr's own Index.query run (lunr-reference.js), "matched": {query: [terms of the first result]},
//          "loaded": {query: ["kind-number", ...] shards a fresh searcher loaded for it},
//          "pages": {query: refs of results 0-1, 1-10 and 10-50 asked for in turn}, "even": {query: refs of the best 20 even-numbered matches}}
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");
const lunr = require("lunr");
const core = require(path.join(__dirname, "..", "..", "templates", "static", "search-core.js"));

const input = JSON.parse(fs.readFileSync(0, "utf8"));
const sandbox = { window: {} };
vm.runInNewContext(fs.readFileSync(path.join(input.site, "search-index.js"), "utf8"), sandbox);
const base = sandbox.window.SITEGEN_SEARCH;
let log = [];

/* A shard as the page gets it: its script run, its items handed to the global callback. */
function loadShard(kind, number) {
  const file = path.join(input.site, base.folder + kind + "-" + number + ".js");
  let items = null;
  const shardBox = { window: { SITEGEN_SEARCH_SHARD: (k, n, data) => { if (k === kind && n === number) items = data; } } };
  vm.runInNewContext(fs.readFileSync(file, "utf8"), shardBox);
  log.push(kind + "-" + number);
  return items === null ? Promise.reject(new Error("no items in " + file)) : Promise.resolve(items);
}

/* Every shard put together: the payload build_search made (for expand and lunr's own Index.query). */
async function payload() {
  const searcher = new core.Searcher(lunr, base, loadShard);
  const every = (n) => Array.from({ length: n }, (_, i) => i);
  await Promise.all([searcher.ensure("terms", every(base.terms.length)), searcher.ensure("docs", every(base.count))]);
  const fields = Object.keys(base.fields);
  const terms = every(base.terms.length).map((i) => searcher.item("terms", i));
  const postings = {}, frequencies = {};
  fields.forEach((f, k) => { postings[f] = terms.map((t) => t[2 * k]); frequencies[f] = terms.map((t) => t[2 * k + 1]); });
  const docs = every(base.count).map((ref) => searcher.doc(ref).title);
  return { fields: base.fields, boosts: base.boosts, docs, terms: base.terms, postings, frequencies, lengths: base.lengths };
}

async function main() {
  const searcher = new core.Searcher(lunr, base, loadShard);
  const results = {};
  const matched = {};
  const loaded = {};
  const pages = {}, even = {};
  for (const query of input.queries || []) {
    log = [];
    const fresh = new core.Searcher(lunr, base, loadShard);
    await core.search(fresh, query);
    loaded[query] = log.slice();
    const found = (await core.search(searcher, query)).slice(0, Infinity);
    results[query] = found.map((r) => [r.ref, r.score]);
    matched[query] = found.length ? found[0].terms.slice().sort() : [];
    // As the search page asks for them: the best first, then the rest of a page, each picked from the
    // matches without ranking them all; and the best 20 of the matches a filter keeps.
    const matches = await core.search(searcher, query);
    pages[query] = [matches.slice(0, 1), matches.slice(1, 10), matches.slice(10, 50)].flat().map((r) => r.ref);
    even[query] = matches.filter((ref) => ref % 2 === 0).slice(0, 20).map((r) => r.ref);
  }
  const data = input.reference || input.expand ? await payload() : null;
  let reference = null;
  const old = require(path.join(__dirname, "lunr-reference.js"));
  if (input.reference) {
    const run = old.executor(lunr, old.load(lunr, data), core);
    reference = {};
    for (const query of input.queries || []) {
      const found = (await core.search(searcher, query, run)).slice(0, Infinity);
      reference[query] = found.map((r) => [r.ref, r.score]);
      matched[query + "\u0000reference"] = found.length ? found[0].terms.slice().sort() : [];
    }
  }
  // What the browser makes of a text before it meets the index: normalize, split, trim, stop words, stem.
  const terms = {};
  for (const word of input.words || []) terms[word] = core.indexTerms(lunr, word);
  const expanded = input.expand ? old.expand(data) : null;
  process.stdout.write(JSON.stringify({ results, terms, expanded, reference, matched, loaded, pages, even }));
}

main().catch((error) => { process.stderr.write(String(error.stack || error)); process.exit(1); });
