/* Search rules shared by the browser and the node tests; mirrors sitegen/search/ exactly: text
   normalization, the unicode trimmer and the light stemmer (analyze.py), reading the shards (shards.py),
   query building, running and result order (query.py). Works as a browser global (SitegenSearch) and as
   a CommonJS module. */
(function (factory) {
  if (typeof module === "object" && module.exports) module.exports = factory();
  else window.SitegenSearch = factory();
})(function () {
  "use strict";
  var MARKS = /\p{M}/gu;
  var CJK = /([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af])/g;
  var EDGES = /^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu;
  var SEPARATOR = /[ \-]+/;
  // Every kind of space, and punctuation that joins words ("CLIP/ViT", "f(x)"): as in analyze.py.
  var SPACES = /[\t\n\v\f\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\/()\[\]{}<>=,;!?"|\\&\u201c\u201d]/g;
  var SYNTAX = /[:*~^]|(?:^|\s)[+-]\S/;
  var MAX_WORD_LENGTH = 64;  // letters; as in query.py: no typo or prefix work on a pasted giant "word"
  var MAX_EDIT_DISTANCE = 2;  // `graph~99` would expand to every term of the index: capped, as in query.py
  var SHORTEST_PREFIX = 2;  // the smallest prefixMinLength (PREFIX_MIN_LENGTH in index.py): a lone letter is a prefix only there
  var COVERAGE_STEP = 1e13;  // a percent of title coverage outweighs any score (scores × 1e9 stay below 1e13), as in query.py
  var SYNTAX_MARKS = /[:*~^]/g;  // in text taken as words, these separate words
  var HAS_SYNTAX_MARK = /[:*~^]/;
  var QUOTED = /"([^"]*)"|\u201c([^\u201d]*)\u201d/;
  // A quoted group beside lunr's syntax, with its sign and field; as GROUP in query.py.
  var GROUP = /(^|\s)([+-]?)((?:[^\s:"\u201c\u201d+-][^\s:"\u201c\u201d]*:)?)(?:"([^"]*)"|\u201c([^\u201d]*)\u201d)/g;
  var STATUS_FILTER = /(^|\s)status:(\S*)/gi;
  var INITIAL = /^[a-z]$/;
  var ET_AL = /(?:(?<=\s)|^)et\s+al(?=[\s.]|$)\.?/g;  // as ET_AL in query.py: a citation's "et al." is dropped
  var YEAR = /^(?:1[89]|20)\d\d$/;  // as YEAR in query.py: a year ranks but excludes no paper
  var TUNED = /[~^]\S*$/;  // a last word with an edit distance or a boost: not a prefix
  var SHARD_FOLDER = /^[A-Za-z0-9_][A-Za-z0-9._-]*\/$/;  // as in shards.py
  var RUNS_KEPT = 4;  // runs a Searcher keeps (each a few typed arrays by paper: ~3 MB at 100,000 papers)
  var FILED_UNDER = { tags: true, lists: true };  // fields that say where a paper is filed, not what it says: they rank below its text
  var ALL_OF = 3;  // a query of up to this many words finds the papers with all of them; a longer one, with more than half
  // arXiv ids and DOIs as a researcher pastes them; as IDENTIFIER in analyze.py.
  var IDENTIFIER = new RegExp(
    "(?:(?<=\\s)|^)(?:(?:https?://)?(?:[a-z0-9-]+\\.)*(?:(?:arxiv|alphaxiv|arxiv-sanity|arxiv-sanity-lite)\\.(?:org|com)" +
    "|huggingface\\.co/papers)/(?:[^\\s?#]*/)?|arxiv:\\s?)?" +
    "(\\d{4}\\.\\d{4,5}|[a-z][a-z.-]*/\\d{7})(?:v\\d+)?(?:\\.pdf)?/?(?:[?#]\\S*)?(?=\\s|$)" +
    "|(?:(?<=\\s)|^)(?:(?:https?://)?(?:dx\\.)?doi\\.org/|doi:\\s?)?(10\\.\\d{4,9}/\\S+?)[.,;]?(?=\\s|$)", "gi");
  var has = function (object, key) { return Object.prototype.hasOwnProperty.call(object, key); };

  /* Porter's step 1 only, as lunr.js 2.3.9 writes it; mirrors light_stem in sitegen/search/analyze.py. */
  var CONSONANTS = "[^aeiou][^aeiouy]*", VOWEL = "[aeiouy]", VOWELS = VOWEL + "[aeiou]*";
  var MEASURE_ABOVE_0 = new RegExp("^(" + CONSONANTS + ")?" + VOWELS + CONSONANTS);
  var HAS_VOWEL = new RegExp("^(" + CONSONANTS + ")?" + VOWEL);
  var STEP_1A = /^(.+?)(ss|i)es$/, STEP_1A_S = /^(.+?)([^s])s$/;
  var STEP_1B_EED = /^(.+?)eed$/, STEP_1B = /^(.+?)(ed|ing)$/;
  var ADD_E = /(at|bl|iz)$/, DOUBLE = /([^aeiouylsz])\1$/, SHORT = new RegExp("^" + CONSONANTS + VOWEL + "[^aeiouwxy]$");
  var STEP_1C = /^(.+?[^aeiou])y$/;
  var ENGLISH_WORD = /^[a-z]+$/;
  var MAX_WORDS = 30;  // a query's words that count: ranked as bits of a 32-bit mask
  var SPELLINGS = [
    [/^(.*(?:al|ar|or|im))is(e|ed|es|er|ers|ing|ation|ations)$/, "$1iz$2"],
    [/^(.+)ys(e|ed|es|ing)$/, "$1yz$2"],
    [/^(.*[aeiou][^aeiou]+e)ll(ed|ing|er|ers)$/, "$1l$2"],
    [/^(.{2,}[^t])our(s?)$/, "$1or$2"]
  ];
  var stems = new Map();

  function lightStem(word) {
    if (word.length < 3 || !ENGLISH_WORD.test(word)) return word;
    if (stems.has(word)) return stems.get(word);
    var w = word, m;
    SPELLINGS.forEach(function (rule) { w = w.replace(rule[0], rule[1]); });
    w = w[0] === "y" ? "Y" + w.slice(1) : w;
    if ((m = STEP_1A.exec(w) || STEP_1A_S.exec(w))) w = m[1] + m[2];
    if ((m = STEP_1B_EED.exec(w))) {
      if (MEASURE_ABOVE_0.test(m[1])) w = w.slice(0, -1);
    } else if ((m = STEP_1B.exec(w)) && HAS_VOWEL.test(m[1])) {
      w = m[1];
      if (ADD_E.test(w)) w += "e";
      else if (DOUBLE.test(w)) w = w.slice(0, -1);
      else if (SHORT.test(w)) w += "e";
    }
    if ((m = STEP_1C.exec(w))) w = m[1] + "i";
    w = w[0] === "Y" ? "y" + w.slice(1) : w;
    stems.set(word, w);
    return w;
  }

  function isStopWord(lunr, word) { return !lunr.stopWordFilter(new lunr.Token(word)); }

  /* What the index holds for a text; mirrors index_terms in sitegen/search/analyze.py. */
  function indexTerms(lunr, text) {
    var terms = [];
    function add(word) {
      var trimmed = trim(word);
      if (trimmed && !isStopWord(lunr, trimmed)) terms.push(lightStem(trimmed));
    }
    normalize(text).split(" ").forEach(function (chunk) {
      var parts = chunk.split("-").filter(function (p) { return p.length > 0; });
      parts.forEach(add);
      if (parts.length > 1) add(parts.join(""));
    });
    return terms;
  }

  var ASCII = /^[\x00-\x7f]*$/;
  function normalize(text) {
    if (ASCII.test(text)) return text.toLowerCase().replace(SPACES, " ");  // as analyze.py: nothing to fold
    return text.normalize("NFKD").replace(MARKS, "").toLowerCase().replace(CJK, " $1 ").replace(SPACES, " ");
  }

  function trim(word) { return word.replace(EDGES, ""); }

  function queryTerms(text) {
    return normalize(text).split(SEPARATOR).map(trim).filter(function (t) { return t.length > 0; });
  }

  /* The identifier keys a query holds, and the query without them; mirrors identifiers() in analyze.py. */
  function identifiers(text) {
    var keys = [];
    var rest = text.replace(IDENTIFIER, function (match, arxiv, doi) {
      keys.push(arxiv ? "arxiv:" + arxiv.trim().toLowerCase() : "doi:" + doi.trim().toLowerCase());
      return " ";
    });
    return { keys: keys, text: keys.length ? rest : text };
  }

  var K1 = 1.2, B = 0.75;
  /* What queries run against: an index's base (terms, lengths, boosts) and its shards, each loaded by
     `loadShard(kind, number)` (a promise of the items of its file, `kind-number.js`) the first time a query needs it: the terms a
     query's clauses expand to, the `typed` shard of a title as typed, what the results show. Postings are decoded
     once per term and field (typed arrays); words and prefixes are looked up in the sorted terms, typos and
     other wildcards in lunr's TokenSet of them (built as lunr.Index.load builds it, the first time one is asked);
     caches outlive a keystroke, and a query whose clauses find the same terms as one of the last few reuses its run. Scores are lunr's (the query
     vector's dot product with each field's BM25 vector, over the query vector's magnitude, summed over
     fields), computed from the postings in one pass per matched term and field instead of through
     lunr's Index.query, which made a MatchData and Set per document. Mirrors Searcher in query.py. */
  function Searcher(lunr, base, loadShard) {
    // Its shards' folder: one plain folder name beside the base (SHARD_FOLDER in shards.py), never another place or host.
    if (typeof base.folder !== "string" || !SHARD_FOLDER.test(base.folder)) throw new Error("search-index.js: its shard folder is not a folder beside it");
    // The named kinds' shards (docs: named by their first paper, IndexFiles in shards.py): numbers, nothing else in a file name.
    for (var named in base.names) {
      if (!base.names[named].every(function (name) { return Number.isInteger(name) && name >= 0; })) throw new Error("search-index.js: its shards' names are not numbers");
    }
    var fields = Object.keys(base.fields), count = base.count;
    this.lunr = lunr;
    this.base = base;
    this.loadShard = loadShard;
    this.loaded = {};  // kind → its loaded shards' items, by shard number
    this.pending = new Map();  // "kind/number" → the promise of its items, while it loads
    this.fields = fields;
    this.count = count;
    this.number = new Map();
    for (var i = 0; i < base.terms.length; i++) this.number.set(base.terms[i], i);
    this.tokenSet = null;  // lunr's TokenSet of the terms, for typos and inner wildcards: built in idle time (`prepare`) or when asked
    this.tokenBuilder = new lunr.TokenSet.Builder();
    this.inserted = 0;  // terms in the builder so far
    this.norms = fields.map(function (f) {
      var lengths = base.lengths[f], sum = 0, norms = new Float64Array(count);
      for (var r = 0; r < count; r++) sum += lengths[r];
      var average = count ? sum / count : 0;
      for (r = 0; r < count; r++) norms[r] = K1 * (1 - B + B * (lengths[r] / average));
      return norms;
    });
    this.decoded = fields.map(function () { return new Array(base.terms.length); });
    this.weighted = fields.map(function () { return new Array(base.terms.length); });
    this.idfs = new Float64Array(base.terms.length).fill(-1);
    this.expansions = new Map();
    this.runs = new Map();  // the last few queries' runs (what `execute` found), by all they depend on
    this.titleField = fields.indexOf("title");
    this.sums = new Float64Array(count * fields.length);  // a query's sum in each field of each paper, field by field (each a run of papers)
  }

  /* The shard of a kind that holds item `number` (a term's, or a paper's; of `typed`, a title's key). */
  Searcher.prototype.shardOf = function (kind, number) {
    var starts = this.base.shards[kind], lo = 0, hi = starts.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= number) lo = mid; else hi = mid - 1;
    }
    return lo;
  };

  /* Item `number` of a kind (a term's postings, a paper's doc), from its loaded shard; of `typed` and `ids`
     (keyed by a string) and `facets` (one shard), the whole shard. */
  Searcher.prototype.item = function (kind, number) {
    var shard = this.shardOf(kind, number), loaded = this.loaded[kind], items = loaded && loaded[shard];
    if (!items) throw new Error("search index shard " + kind + "-" + shard + " is not loaded");
    return kind === "facets" || kind === "typed" || kind === "ids" ? items : items[number - this.base.shards[kind][shard]];
  };

  /* What a result shows of a paper: its `docs` item, SearchDoc's shipped fields by name (title, url, snippet,
     status; tags, notes, authors and math only when it has some). */
  Searcher.prototype.doc = function (ref) { return this.item("docs", ref); };

  /* A paper's reading status, from the loaded facets shard. */
  Searcher.prototype.status = function (ref) {
    var facets = this.item("facets", 0);
    return facets.status[facets.papers[ref][0]];
  };

  /* A promise kept once the shards holding these items are loaded: each shard loaded once, however many ask. */
  Searcher.prototype.ensure = function (kind, numbers) {
    var self = this, wanted = new Set();
    for (var i = 0; i < numbers.length; i++) wanted.add(this.shardOf(kind, numbers[i]));
    return Promise.all(Array.from(wanted, function (shard) {
      var key = kind + "/" + shard;
      if (self.loaded[kind] && self.loaded[kind][shard]) return null;
      if (!self.pending.has(key)) {
        var names = self.base.names[kind];
        self.pending.set(key, self.loadShard(kind, names ? names[shard] : shard).then(function (items) {
          (self.loaded[kind] = self.loaded[kind] || [])[shard] = items;
          self.pending.delete(key);
        }, function (error) {
          self.pending.delete(key);  // a later query tries again
          throw error;
        }));
      }
      return self.pending.get(key);
    }));
  };

  /* A term's refs in one field, ascending. */
  Searcher.prototype.refs = function (term, field) {
    var refs = this.decoded[field][term];
    if (!refs) {
      var gaps = this.item("terms", term)[2 * field], total = 0;
      refs = new Int32Array(gaps.length);
      for (var j = 0; j < gaps.length; j++) refs[j] = total += gaps[j];
      this.decoded[field][term] = refs;
    }
    return refs;
  };

  /* A term's frequency in each paper of its refs in one field ([] when every one is 1). */
  Searcher.prototype.frequencies = function (term, field) { return this.item("terms", term)[2 * field + 1]; };

  /* A term's BM25 weight in each paper of its refs in one field (lunr's builder's, as `expand` computes
     it), worked out once: a query adds its boost × these. */
  Searcher.prototype.weights = function (term, field) {
    var weights = this.weighted[field][term];
    if (!weights) {
      var refs = this.refs(term, field), tfs = this.frequencies(term, field), norms = this.norms[field];
      var idf = this.idf(term), fieldBoost = this.base.fields[this.fields[field]];
      weights = new Float64Array(refs.length);
      for (var i = 0; i < refs.length; i++) {
        var tf = tfs.length ? tfs[i] : 1;
        weights[i] = idf * ((K1 + 1) * tf) / (norms[refs[i]] + tf) * fieldBoost;
      }
      this.weighted[field][term] = weights;
    }
    return weights;
  };

  /* lunr's builder's idf: papers with the term in any field, counted once per field as lunr does. */
  Searcher.prototype.idf = function (term) {
    if (this.idfs[term] < 0) {
      var postings = this.item("terms", term), withTerm = 0;
      for (var f = 0; f < this.fields.length; f++) withTerm += postings[2 * f].length;
      this.idfs[term] = Math.log(1 + Math.abs((this.count - withTerm + 0.5) / (withTerm + 0.5)));
    }
    return this.idfs[term];
  };

  /* The index's terms a clause stands for (what lunr's Index.query looks up): cached by clause. */
  Searcher.prototype.expand = function (clause) {
    var key = clause.term + "\u0000" + (clause.wildcard || 0) + "\u0000" + (clause.editDistance || 0);
    var terms = this.expansions.get(key);
    if (!terms) {
      if (this.expansions.size > 2000) this.expansions.clear();
      // A word, or a word and a trailing `*` (a word being typed), from the sorted terms: the same terms as lunr's
      // TokenSet finds, without building it (a quarter of a second at 100,000 papers, before the first results).
      var star = clause.term.indexOf("*"), exactly = !clause.editDistance;
      if (exactly && star < 0) terms = this.number.has(clause.term) ? [clause.term] : [];
      else if (exactly && star === clause.term.length - 1) terms = this.beginningWith(clause.term.slice(0, -1));
      else terms = this.tokens().intersect(this.lunr.TokenSet.fromClause(clause)).toArray();
      this.expansions.set(key, terms);
    }
    return terms;
  };

  /* lunr's TokenSet of the index's terms, as lunr.TokenSet.fromArray builds it: what `prepare` has not built yet, now. */
  Searcher.prototype.tokens = function () {
    this.prepare(function () { return true; });
    return this.tokenSet;
  };

  /* Builds the TokenSet a few terms at a time while `hasTime()` (the page calls it when idle, so that the first typo
     does not wait ~0.2 s for it at 100,000 papers); true once it is built. */
  Searcher.prototype.prepare = function (hasTime) {
    var terms = this.base.terms;
    while (!this.tokenSet && hasTime()) {
      for (var end = Math.min(terms.length, this.inserted + 100); this.inserted < end; this.inserted++) this.tokenBuilder.insert(terms[this.inserted]);
      if (this.inserted === terms.length) {
        this.tokenBuilder.finish();
        this.tokenSet = this.tokenBuilder.root;
      }
    }
    return this.tokenSet !== null;
  };

  /* The index's terms that begin with `prefix`: a run of its terms (sorted by code point, as sorted() in index.py). */
  Searcher.prototype.beginningWith = function (prefix) {
    var terms = this.base.terms, lo = 0, hi = terms.length, found = [];
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (byCodePoint(terms[mid], prefix) < 0) lo = mid + 1; else hi = mid;
    }
    for (; lo < terms.length && terms[lo].startsWith(prefix); lo++) found.push(terms[lo]);
    return found;
  };

  /* Strings compared by code point (JS compares UTF-16 units: a surrogate pair sorts below U+E000–U+FFFF there). */
  function byCodePoint(a, b) {
    for (var i = 0; i < a.length && i < b.length; i++) {
      var x = a.charCodeAt(i), y = b.charCodeAt(i);
      if (x !== y) return codePointOrder(x) - codePointOrder(y);
    }
    return a.length - b.length;
  }

  function codePointOrder(unit) { return unit >= 0xd800 && unit < 0xe000 ? unit + 0x2000 : unit >= 0xe000 ? unit - 0x800 : unit; }

  /* The papers of a key of `typed` (a title's query terms) or `ids` (an identifier), from its loaded shard. */
  Searcher.prototype.keyed = function (kind, key) {
    var items = this.item(kind, key);
    for (var i = 0; i < items.length; i++) if (items[i][0] === key) return items[i][1];
    return [];
  };

  /* The papers whose title has these stems in a row, stop words aside (what "phrase in title" ranks),
     marked in an array by paper, made once per query by walking the stems' title postings (ascending)
     side by side with their positions; null when a stem is in no title (no paper has the phrase).
     Nothing is allocated per paper: the walk covers every paper with the stems in its title. */
  Searcher.prototype.phrase = function (stems) {
    var parts = [];
    for (var i = 0; i < stems.length; i++) {
      var term = this.number.get(stems[i]);
      if (term === undefined) return null;
      var refs = this.refs(term, this.titleField);
      if (!refs.length) return null;
      parts.push({ refs: refs, places: this.item("terms", term)[2 * this.fields.length] });
    }
    var inPhrase = new Uint8Array(this.count), at = new Int32Array(parts.length);  // where each part's walk stands
    var first = parts[0];
    walk: for (i = 0; i < first.refs.length; i++) {
      var ref = first.refs[i];
      for (var k = 1; k < parts.length; k++) {
        var others = parts[k].refs;
        while (at[k] < others.length && others[at[k]] < ref) at[k]++;
        if (at[k] === others.length) break walk;
        if (others[at[k]] !== ref) continue walk;
      }
      var starts = first.places[i];
      if (typeof starts === "number") inPhrase[ref] = follows(parts, at, starts) ? 1 : 0;
      else for (var s = 0; s < starts.length && !inPhrase[ref]; s++) inPhrase[ref] = follows(parts, at, starts[s]) ? 1 : 0;
    }
    return inPhrase;
  };

  /* Whether the other parts' terms follow the first one's, standing at `start` in the paper each part's
     walk stands at (a place a number, or a list of them), one place at a time. */
  function follows(parts, at, start) {
    for (var k = 1; k < parts.length; k++) {
      var places = parts[k].places[at[k]];
      if (typeof places === "number" ? places !== start + k : places.indexOf(start + k) < 0) return false;
    }
    return true;
  }

  function oneEditApart(x, y) {
    var a = Array.from(x), b = Array.from(y);
    if (Math.abs(a.length - b.length) > 1) return false;
    var start = 0;
    while (start < Math.min(a.length, b.length) && a[start] === b[start]) start++;
    a = a.slice(start).join(""); b = b.slice(start).join("");
    var ca = Array.from(a), cb = Array.from(b);
    var rest = function (chars, n) { return chars.slice(n).join(""); };
    return rest(ca, 1) === rest(cb, 1) || rest(ca, 1) === b || a === rest(cb, 1) ||
      (ca.length >= 2 && ca.length === cb.length && ca[0] === cb[1] && ca[1] === cb[0] && rest(ca, 2) === rest(cb, 2));
  }

  /* A query word and the terms that count as finding it; mirrors QueryWord in sitegen/search/query.py. */
  function foundBy(word, term) {
    return term === word.stem || term === word.whole || term === word.head ||
      (word.prefix !== null && term.startsWith(word.prefix)) || (word.fuzzy && oneEditApart(term, word.stem));
  }

  /* Mirrors plain_words() in sitegen/search/query.py. */
  function plainWords(searcher, text, boosts) {
    var lunr = searcher.lunr, known = searcher.number;
    var chunks = [];
    text.split(QUOTED).forEach(function (segment, i) {
      if (!segment) return;
      var normalized = normalize(segment);
      if (i % 3 === 0) normalized = normalized.replace(ET_AL, " ");
      normalized.replace(SYNTAX_MARKS, " ").split(" ").forEach(function (chunk) { if (chunk) chunks.push([chunk, i % 3 !== 0]); });
    });
    var partsOf = chunks.map(function (c) {
      return [c[0].split("-").map(trim).filter(function (p) { return p.length > 0; }), c[1]];
    });
    var last = -1;
    partsOf.forEach(function (p, i) { if (p[0].length) last = i; });
    // As in plain_words: one letter alone is the first keystroke of a word (a prefix, where prefixes can be that
    // short), an initial only beside another word.
    var lone = partsOf.reduce(function (n, p) { return n + p[0].length; }, 0) === 1;
    var firstKeystroke = lone && boosts.prefixMinLength <= SHORTEST_PREFIX;
    var words = [];
    partsOf.forEach(function (p, i) {
      var parts = p[0], quoted = p[1];
      var whole = parts.length > 1 ? lightStem(parts.join("")) : null;
      parts.forEach(function (part, j) {
        var typing = i === last && j === parts.length - 1 && !quoted && !/ $/.test(text);
        var stem = lightStem(part);
        // A stop word is a word of the query only as the first being typed, or as a name some author has ("He").
        var name = isStopWord(lunr, part) && !(typing && words.length === 0);
        if (name && !known.has(stem)) return;
        var indexed = known.has(stem);
        var chars = Array.from(part), length = chars.length, head = null;
        var tolerant = length <= MAX_WORD_LENGTH;  // a longer "word" is matched exactly: no typo, prefix or head work
        var prefix = typing && tolerant && !name && (length >= boosts.prefixMinLength || firstKeystroke) ? part : null;
        // (expanded as the query's prefix clause will be: the same cached expansion)
        var beginsWords = prefix !== null && searcher.expand({ term: prefix + "*", wildcard: lunr.Query.wildcard.TRAILING }).length > 0;
        if (typing && !indexed && tolerant && !beginsWords) {
          for (var end = length - 1; end >= boosts.stemPrefixMinLength; end--) {
            var start = chars.slice(0, end).join("");
            if (known.has(start)) { head = start; break; }
          }
        }
        words.push({ stem: stem, whole: whole, stopWord: isStopWord(lunr, part), name: name, prefix: prefix, head: head,
                     fuzzy: tolerant && !indexed && !quoted && !beginsWords && length >= boosts.fuzzyMinLength && !isStopWord(lunr, part),
                     required: quoted && !name, initial: !lone && INITIAL.test(part), year: YEAR.test(part), known: indexed || beginsWords });
      });
    });
    return words.slice(0, MAX_WORDS);
  }

  /* Mirrors plain_query() in query.py. */
  function plainQuery(lunr, q, words, boosts) {
    words.forEach(function (word) {
      var presence = word.required ? lunr.Query.presence.REQUIRED : lunr.Query.presence.OPTIONAL;
      var exact = { boost: boosts.exact, usePipeline: false, presence: presence };
      if (word.initial) exact.fields = ["author"];
      q.term(word.stem, exact);
      if (word.whole) q.term(word.whole, { boost: boosts.exact, usePipeline: false });
      if (word.prefix && !word.initial) q.term(word.prefix, { boost: boosts.prefix, wildcard: lunr.Query.wildcard.TRAILING, usePipeline: false });
      if (word.head) q.term(word.head, { boost: boosts.prefix, usePipeline: false });
      if (word.fuzzy) q.term(word.stem, { boost: boosts.fuzzy, editDistance: 1, usePipeline: false });
    });
  }

  /* Mirrors words_needed() in query.py: which words count (the words the index knows, initials aside) and how
     many of them a paper must have: all of a short query, more than half of a long one. */
  function wordsNeeded(words) {
    var counted = 0;
    words.forEach(function (w, i) { if (w.known && !w.initial && !w.year && !w.name) counted |= 1 << i; });
    var n = bits(counted);
    return { counted: counted, enough: n <= ALL_OF ? n : (n >> 1) + 1 };
  }

  /* Mirrors quoted_groups() in query.py: quoted groups beside lunr's syntax, each word required (or excluded
     after a minus: one word as `-word`, several as an excluded group), stop words dropped. */
  function quotedGroups(lunr, text) {
    var excluded = [];
    var rewritten = text.replace(GROUP, function (match, space, sign, field, straight, curly) {
      var words = normalize(straight !== undefined ? straight : curly).split(SEPARATOR).map(function (p) {
        return trim(p) + (/\*$/.test(p) ? "*" : "");
      }).filter(function (p) { return trim(p) && !isStopWord(lunr, trim(p)); }).map(function (p) { return field + p; });
      if (sign === "-" && words.length > 1) { excluded.push(words); return space; }
      return space + words.map(function (w) { return (sign === "-" ? "-" : "+") + w; }).join(" ");
    });
    return { text: rewritten, excluded: excluded };
  }

  /* Mirrors syntax_clauses() in query.py: lunr's parse, stemmed as the index is; null where it does not parse. */
  function syntaxClauses(searcher, text) {
    var lunr = searcher.lunr, q = new lunr.Query(searcher.fields);
    try {
      new lunr.QueryParser(normalize(text), q).parse();
    } catch (error) {
      if (error instanceof lunr.QueryParseError) return null;
      throw error;
    }
    q.clauses.forEach(function (clause) {
      if (clause.usePipeline) { clause.term = lightStem(trim(clause.term)); clause.usePipeline = false; }
      if ("editDistance" in clause) {
        if (Array.from(clause.term).length > MAX_WORD_LENGTH) delete clause.editDistance;
        else clause.editDistance = Math.min(clause.editDistance, MAX_EDIT_DISTANCE);
      }
    });
    return q;
  }

  /* Mirrors syntax_query() in query.py: lunr's syntax where it parses with real fields ({query, excluded}: its
     excluded groups' clauses), else null; the last word, being typed, matches as a prefix. */
  function syntaxQuery(searcher, text) {
    if (!SYNTAX.test(text)) return null;
    var groups = quotedGroups(searcher.lunr, text);
    var q = syntaxClauses(searcher, groups.text);
    var excluded = groups.excluded.map(function (group) { return syntaxClauses(searcher, group.join(" ")); });
    if (q === null || excluded.some(function (g) { return g === null; })) return null;
    if (!q.clauses.length && !excluded.length) return null;  // lunr.js would return every paper, lunr.py none: taken as words instead
    var last = q.clauses[q.clauses.length - 1];
    var typing = trim(text.slice(-1)) !== "" && !TUNED.test(text), length = last ? Array.from(last.term).length : 0;
    if (last && typing && last.presence !== searcher.lunr.Query.presence.PROHIBITED && !last.editDistance &&
        !/\*$/.test(last.term) && length >= searcher.base.boosts.prefixMinLength && length <= MAX_WORD_LENGTH) last.term += "*";
    return { query: q, excluded: excluded.map(function (g) { return g.clauses; }) };
  }

  /* Mirrors having_all() in query.py: the papers with every clause's term (in one of its fields), marked by paper. */
  function havingAll(searcher, clauses) {
    var n = searcher.count, counts = new Int32Array(n), fieldOf = {};
    searcher.fields.forEach(function (f, i) { fieldOf[f] = i; });
    clauses.forEach(function (clause) {
      var inClause = new Uint8Array(n);
      searcher.expand(clause).forEach(function (name) {
        var term = searcher.number.get(name);
        clause.fields.forEach(function (f) {
          var refs = searcher.refs(term, fieldOf[f]);
          for (var j = 0; j < refs.length; j++) inClause[refs[j]] = 1;
        });
      });
      for (var r = 0; r < n; r++) counts[r] += inClause[r];
    });
    return function (ref) { return clauses.length > 0 && counts[ref] === clauses.length; };
  }

  /* What lunr's Index.query(query) finds, from the postings: the papers it returns (ascending), each with
     its score and which query words its matched terms find (bit masks), in typed arrays by paper. Mirrors
     `execute` in sitegen/search/query.py; lunr's rules kept: a required clause must match in any of its fields,
     a prohibited one in none, a query of prohibited clauses only returns every other paper. */
  function execute(searcher, query, words) {
    // A keystroke often changes no clause's terms ("represen" → "represent" expand alike): its run is the last one's.
    var key = runKey(searcher, query, words), known = searcher.runs.get(key);
    if (known) return known;
    var lunr = searcher.lunr, presence = lunr.Query.presence, n = searcher.count, F = searcher.fields.length;
    var fieldOf = {};
    searcher.fields.forEach(function (f, i) { fieldOf[f] = i; });
    var vectors = searcher.fields.map(function () { return new Map(); });  // the query vector, by field: term → boost
    var pairs = [], seen = new Set();  // (term, field) pairs that score, in the order lunr first meets them
    var required = 0, requiredHits = null, prohibited = null;
    var negated = query.clauses.every(function (c) { return c.presence === presence.PROHIBITED; });
    for (var c = 0; c < query.clauses.length; c++) {
      var clause = query.clauses[c], expanded = searcher.expand(clause);
      var isRequired = clause.presence === presence.REQUIRED, isProhibited = clause.presence === presence.PROHIBITED;
      if (!expanded.length && isRequired) return noRun(searcher);
      var inClause = null;
      if (isRequired) { required++; requiredHits = requiredHits || new Int32Array(n); inClause = new Uint8Array(n); }
      for (var e = 0; e < expanded.length; e++) {
        var term = searcher.number.get(expanded[e]);
        for (var k = 0; k < clause.fields.length; k++) {
          var field = fieldOf[clause.fields[k]], refs = searcher.refs(term, field), j;
          if (isRequired) for (j = 0; j < refs.length; j++) if (!inClause[refs[j]]) { inClause[refs[j]] = 1; requiredHits[refs[j]]++; }
          if (isProhibited) {
            prohibited = prohibited || new Uint8Array(n);
            for (j = 0; j < refs.length; j++) prohibited[refs[j]] = 1;
            continue;
          }
          vectors[field].set(term, (vectors[field].get(term) || 0) + clause.boost);
          if (!seen.has(term * F + field)) { seen.add(term * F + field); pairs.push(term, field); }
        }
      }
    }
    // Which words each matched term finds (and finds exactly), worked out once per term.
    var masks = new Map();
    for (var p = 0; p < pairs.length; p += 2) {
      var t = pairs[p];
      if (!masks.has(t)) masks.set(t, termMasks(searcher.base.terms[t], words));
    }
    // One pass over each scoring (term, field) posting, terms in index order within a field as lunr's dot product adds them.
    var order = [];
    for (p = 0; p < pairs.length; p += 2) order.push(p);
    order.sort(function (a, b) { return pairs[a + 1] - pairs[b + 1] || pairs[a] - pairs[b]; });
    var sums = searcher.sums.fill(0), touched = new Uint8Array(n);
    var foundOf = new Int32Array(n), exactOf = new Int32Array(n), titleOf = new Int32Array(n), notesOf = new Uint8Array(n);
    var textOf = new Int32Array(n);  // the words found in the paper's own text: any field but its tags and lists
    for (var o = 0; o < order.length; o++) {
      term = pairs[order[o]];
      field = pairs[order[o] + 1];
      refs = searcher.refs(term, field);
      var weights = searcher.weights(term, field), boost = vectors[field].get(term);
      var foundMask = masks.get(term)[0], exactMask = masks.get(term)[1];
      var textMask = FILED_UNDER[searcher.fields[field]] ? 0 : foundMask, at = field * n;
      for (var i = 0; i < refs.length; i++) {
        var ref = refs[i];
        touched[ref] = 1;
        // lunr's dot product adds boost × weight, the weight as `expand` computes it (lunr's builder's BM25).
        sums[at + ref] += boost * weights[i];
        foundOf[ref] |= foundMask;
        exactOf[ref] |= exactMask;
        textOf[ref] |= textMask;
      }
      if (field === fieldOf.title) for (i = 0; i < refs.length; i++) titleOf[refs[i]] |= foundMask;
      if (field === fieldOf.notes) for (i = 0; i < refs.length; i++) notesOf[refs[i]] = 1;
    }
    var magnitudes = Float64Array.from(vectors, function (vector) {
      var squares = 0;
      Array.from(vector.keys()).sort(function (a, b) { return a - b; }).forEach(function (t) { squares += vector.get(t) * vector.get(t); });
      return Math.sqrt(squares);
    });
    // A field the query has no term in adds 0 to every score (0/0 taken as 0): only the others are summed.
    var scored = [];
    for (var f = 0; f < F; f++) if (magnitudes[f] > 0) scored.push(f);
    var out = new Int32Array(n), matched = 0, scores = new Float64Array(n);
    for (var r = 0; r < n; r++) {
      if (!(negated || touched[r]) || (required && requiredHits[r] !== required) || (prohibited && prohibited[r])) continue;
      var score = 0;
      if (touched[r]) for (var s = 0; s < scored.length; s++) score += sums[scored[s] * n + r] / magnitudes[scored[s]];
      out[matched++] = r;
      scores[r] = score;
    }
    var run = { refs: out.subarray(0, matched), scores: scores, found: foundOf, exact: exactOf, inTitle: titleOf, inNotes: notesOf,
                inText: textOf, termsOf: function (ref) { return matchedTerms(searcher, pairs, ref); } };
    if (searcher.runs.size >= RUNS_KEPT) searcher.runs.delete(searcher.runs.keys().next().value);
    searcher.runs.set(key, run);
    return run;
  }

  /* Which words a term finds, and which exactly (bit masks). */
  function termMasks(name, words) {
    var found = 0, exact = 0;
    for (var w = 0; w < words.length; w++) {
      if (foundBy(words[w], name)) found |= 1 << w;
      if (name === words[w].stem || name === words[w].whole) exact |= 1 << w;
    }
    return [found, exact];
  }

  /* All a run depends on: each clause's presence, boost, fields and terms, and the words each term finds. */
  function runKey(searcher, query, words) {
    return query.clauses.map(function (clause) {
      return clause.presence + "/" + clause.boost + "/" + clause.fields.join(",") + "/" + searcher.expand(clause).map(function (name) {
        return name + "=" + termMasks(name, words).join(".");
      }).join(" ");
    }).join("\n");
  }

  /* What a query that finds nothing runs to. */
  function noRun(searcher) {
    var n = searcher.count;
    return { refs: new Int32Array(0), scores: new Float64Array(n), found: new Int32Array(n), exact: new Int32Array(n),
             inTitle: new Int32Array(n), inNotes: new Uint8Array(n), inText: new Int32Array(n), termsOf: function () { return []; } };
  }

  /* The matched terms of one result (for highlighting), looked up only for the results shown. */
  function matchedTerms(searcher, pairs, ref) {
    var terms = [], run = { pairs: pairs };
    for (var p = 0; p < run.pairs.length; p += 2) {
      var name = searcher.base.terms[run.pairs[p]];
      if (terms.indexOf(name) < 0 && contains(searcher.refs(run.pairs[p], run.pairs[p + 1]), ref)) terms.push(name);
    }
    return terms;
  }

  function contains(sorted, value) {
    var lo = 0, hi = sorted.length - 1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (sorted[mid] === value) return true;
      if (sorted[mid] < value) lo = mid + 1; else hi = mid - 1;
    }
    return false;
  }

  function bits(mask) { var n = 0; for (; mask; mask &= mask - 1) n++; return n; }

  function Result(run, ref) {
    this.run = run;
    this.ref = ref;
    this.score = run.scores[ref];
    this.inNotes = run.inNotes[ref] === 1;
  }
  Object.defineProperty(Result.prototype, "terms", {
    get: function () { return this._terms || (this._terms = this.run.termsOf(this.ref)); }
  });

  /* A query's matches: `refs` (ascending, which is title order) and `length`, and `slice(start, end, byTitle)`,
     their Results {ref, score, terms, inNotes} in rank order (or title order). A match's rank is one number
     for the rules (`ranks`, by paper, smaller first) then its rounded score (`rounded`) then its ref; the
     matches are put in that order only as far as results are asked for (tens of thousands of matches a
     keystroke at 100,000 papers, of which a page shows 50). */
  function Matches(run, refs, ranks, rounded) {
    this.run = run;
    this.refs = refs;
    this.length = refs.length;
    this.ranks = ranks;
    this.rounded = rounded;
    this.best = new Int32Array(0);  // the best refs in rank order, as many as asked for so far
  }

  /* The matches that `keep(ref)` keeps, ranked the same. */
  Matches.prototype.filter = function (keep) {
    var kept = new Int32Array(this.length), count = 0;
    for (var i = 0; i < this.length; i++) if (keep(this.refs[i])) kept[count++] = this.refs[i];
    return new Matches(this.run, kept.subarray(0, count), this.ranks, this.rounded);
  };

  Matches.prototype.slice = function (start, end, byTitle) {
    end = Math.min(end, this.length);
    if (!byTitle && this.best.length < end) this.best = select(this.refs, end, this.ranks, this.rounded);
    var refs = byTitle ? this.refs : this.best, results = [];
    for (var i = start; i < end; i++) results.push(new Result(this.run, refs[i]));
    return results;
  };

  /* The `count` best of `refs`, best first: a heap of the best met so far, the worst of them on top, so
     that most matches are turned away by one comparison, then sorted. */
  function select(refs, count, ranks, rounded) {
    function worse(a, b) { return ranks[a] - ranks[b] || rounded[a] - rounded[b] || a - b; }
    var heap = new Int32Array(count), size = 0;
    for (var i = 0; i < refs.length; i++) {
      var ref = refs[i], at;
      if (size < count) {
        for (at = size++; at > 0 && worse(ref, heap[(at - 1) >> 1]) > 0; at = (at - 1) >> 1) heap[at] = heap[(at - 1) >> 1];
      } else if (worse(ref, heap[0]) < 0) {
        for (at = 0; 2 * at + 1 < size; ) {
          var child = 2 * at + 1;
          if (child + 1 < size && worse(heap[child + 1], heap[child]) > 0) child++;
          if (worse(heap[child], ref) <= 0) break;
          heap[at] = heap[child];
          at = child;
        }
      } else {
        continue;
      }
      heap[at] = ref;
    }
    return heap.sort(worse);
  }

  /* A promise of the Matches of a text, ranked by: the papers of an identifier in the text first; then the
     title exactly as typed; how many of the query's words a paper has (names that are stop words aside: how many
     of those next); how many exactly; how many in its own text (not only in its tags or lists); the words as a
     phrase in the title; how many in the title; how much of a title with every word they cover; lunr's score;
     ref. Papers with too few of the words, in an excluded group, or not of a `status:` asked for are left out.
     The shards of the terms the query's clauses expand to (and of its identifiers, and the facets for a status)
     are loaded first, then, if a paper may have the title as typed, the `typed` shard of the text; the rest is
     synchronous, so scores are the same floats whatever the shards. `runQuery` is how lunr's query is run (the tests pass lunr's own Index.query).
     Mirrors search() in query.py. */
  function search(searcher, text, runQuery) {
    var statuses = [];
    text.replace(STATUS_FILTER, function (match, space, value) { if (value) statuses.push(value.toLowerCase()); return ""; });
    var found = identifiers(text.replace(STATUS_FILTER, "$1"));
    text = found.text;
    var words = [], excluded = [], query = null;
    var parsed = syntaxQuery(searcher, text);
    if (parsed !== null) {
      query = parsed.query;
      excluded = parsed.excluded;
    } else {
      words = plainWords(searcher, text, searcher.base.boosts);
      if (words.length) {
        query = new searcher.lunr.Query(searcher.fields);
        plainQuery(searcher.lunr, query, words, searcher.base.boosts);
      }
    }
    var terms = [];
    (query ? query.clauses : []).concat([].concat.apply([], excluded)).forEach(function (clause) {
      searcher.expand(clause).forEach(function (name) { terms.push(searcher.number.get(name)); });
    });
    var loads = [searcher.ensure("terms", terms), searcher.ensure("ids", found.keys)];
    if (statuses.length) loads.push(searcher.ensure("facets", [0]));
    return Promise.all(loads).then(function () {
      var run = query ? (runQuery || execute)(searcher, query, words) : noRun(searcher), n = searcher.count;
      if (!query && statuses.length && !found.keys.length) run.refs = everything(searcher).refs;  // a status filter alone lists its papers
      var byId = [];
      found.keys.forEach(function (key) {
        searcher.keyed("ids", key).forEach(function (ref) { if (byId.indexOf(ref) < 0) byId.push(ref); });
      });
      var wantedStatus = function (ref) { return !statuses.length || statuses.indexOf(searcher.status(ref)) >= 0; };
      byId = byId.filter(wantedStatus);
      var leftOut = excluded.map(function (group) { return havingAll(searcher, group); });
      var needed = wordsNeeded(words), counted = needed.counted, enough = needed.enough, isId = new Uint8Array(n);
      byId.forEach(function (ref) { isId[ref] = 1; });
      // The matches that stay (ascending, as the run's), then the identifiers' papers: one typed array, no sort
      // unless there are identifiers (tens of thousands of matches a keystroke at 100,000 papers).
      var all = new Int32Array(run.refs.length + byId.length), matched = 0;
      for (var k = 0; k < run.refs.length; k++) {
        var r = run.refs[k];
        if (isId[r] || (enough && bits(run.found[r] & counted) < enough)) continue;
        if (statuses.length && !wantedStatus(r)) continue;
        if (leftOut.length && leftOut.some(function (out) { return out(r); })) continue;
        all[matched++] = r;
      }
      var kept = all.subarray(0, matched);
      for (k = 0; k < byId.length; k++) all[matched + k] = byId[k];
      var refs = all.subarray(0, matched + byId.length);
      if (byId.length) refs.sort();
      var wanted = queryTerms(text).join(" ");
      // The words but names that are stop words ("He"): only names have those, never a title.
      var own = 0, stems = [];
      words.forEach(function (w, i) { if (!w.name) { own |= 1 << i; stems.push(w.stem); } });
      // A title exactly as typed holds every word's stem, as does a phrase in it: when each word is a whole
      // term of the text (no stop word, no syntax mark splitting one), only papers with every word in the
      // title are looked at. The papers of a title as typed are looked up once (one `typed` shard); a phrase
      // is found from the title stems' positions in the postings.
      var wordsAreTerms = words.length > 0 && !HAS_SYNTAX_MARK.test(normalize(text)) && words.every(function (w) { return !w.stopWord; });
      var lookedAt = kept.length > 0 && (!wordsAreTerms || kept.some(function (ref) { return run.inTitle[ref] === own; }));
      return (lookedAt ? searcher.ensure("typed", [wanted]) : Promise.resolve()).then(function () {
        var typed = new Uint8Array(n);
        if (lookedAt) searcher.keyed("typed", wanted).forEach(function (ref) { typed[ref] = 1; });
        var inPhrase = stems.length > 1 && kept.length > 0 ? searcher.phrase(stems) : null;
        var titleHits = query && kept.length > 0 ? titleCoverage(searcher, query) : null, titleLengths = searcher.base.lengths.title;
        // The rules above as one number per match, smaller first (title as typed, words found, names found, found exactly,
        // found in the paper's own text, phrase, words in the title; the identifiers' papers before all; at most 30 words
        // make 2·32⁵·2 < 2³¹), and the score rounded to 1e-9 (lunr.js and lunr.py may differ in its last bits).
        var ranks = new Int32Array(n), rounded = new Float64Array(n);
        for (var i = 0; i < kept.length; i++) {
          var ref = kept[i], foundMask = run.found[ref], inTitle = run.inTitle[ref], allInTitle = inTitle === own;
          var asTyped = (allInTitle || !wordsAreTerms) && typed[ref] === 1;
          var phrase = inPhrase !== null && allInTitle && inPhrase[ref] === 1;
          ranks[ref] = ((((((asTyped ? 0 : 1) * 32 + 31 - bits(foundMask & own)) * 32 + 31 - bits(foundMask & ~own)) * 32 +
                          31 - bits(run.exact[ref] & foundMask & own)) * 32 + 31 - bits(run.inText[ref] & own)) * 2 + (phrase ? 0 : 1)) * 32 +
                        31 - bits(inTitle);
          // After the title's coverage (in percent, floored, of a title with every word): one number, exact in a double (≤ 1e15 + 1e13).
          var covered = allInTitle && titleHits !== null ? Math.floor(titleHits[ref] * 100 / titleLengths[ref]) : 0;
          rounded[ref] = -(covered * COVERAGE_STEP + Math.floor(run.scores[ref] * 1e9 + 0.5));
        }
        byId.forEach(function (ref, at) { ranks[ref] = at - byId.length; });
        return new Matches(run, refs, ranks, rounded);
      });
    });
  }

  /* How many of each paper's title words the query's terms are (to make a percent of its title's length): of two titles
     with the words asked for, the one with fewer other words is more nearly what was asked for. From the title postings
     of the terms the clauses expand to, whatever ran the query. Mirrors title_coverage in query.py. */
  function titleCoverage(searcher, query) {
    var hits = new Int32Array(searcher.count), title = searcher.fields.indexOf("title"), seen = new Set();
    query.clauses.forEach(function (clause) {
      if (clause.presence === searcher.lunr.Query.presence.PROHIBITED || clause.fields.indexOf("title") < 0) return;
      searcher.expand(clause).forEach(function (name) {
        var term = searcher.number.get(name);
        if (seen.has(term)) return;
        seen.add(term);
        var refs = searcher.refs(term, title), tfs = searcher.frequencies(term, title);
        for (var i = 0; i < refs.length; i++) hits[refs[i]] += tfs.length ? tfs[i] : 1;
      });
    });
    return hits;
  }

  /* Every paper as Matches, in title order (papers are numbered in it): what filters pick from when there is no text. */
  function everything(searcher) {
    var n = searcher.count, refs = new Int32Array(n);
    for (var i = 0; i < n; i++) refs[i] = i;
    return new Matches(noRun(searcher), refs, new Int32Array(n), new Float64Array(n));
  }

  /* Split text into [piece, matched] so the UI can mark matched words without HTML strings. */
  function highlight(lunr, text, matchedTerms) {
    var wanted = {};
    matchedTerms.forEach(function (t) { wanted[t] = true; });
    return text.split(/(\s+)/).map(function (piece) {
      var word = trim(normalize(piece).trim());
      return [piece, word.length > 0 && wanted[lightStem(word)] === true];
    });
  }

  return { normalize: normalize, trim: trim, queryTerms: queryTerms, Searcher: Searcher, foundBy: foundBy,
           search: search, everything: everything, highlight: highlight, indexTerms: indexTerms, lightStem: lightStem };
});
