/* The search code as it was before it scored from the postings: lunr.js's own Index.query on the lunr-schema
   index (expand + lunr.Index.load), ranked by the same rules. Kept only as the tests' reference: the
   browser's search (search-core.js) must return exactly what this returns. */
/* Search rules shared by the browser and the node tests; mirrors sitegen/search.py exactly:
   text normalization, the unicode trimmer, the light stemmer, query building and result order.
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
  var MAX_WORD_LENGTH = 64;  // letters; as in search.py: no typo or prefix work on a pasted giant "word"
  var MAX_EDIT_DISTANCE = 2;  // `graph~99` would expand to every term of the index: capped, as in search.py
  var SYNTAX_MARKS = /[:*~^]/g;  // in text taken as words, these separate words
  var QUOTED = /"([^"]*)"|\u201c([^\u201d]*)\u201d/;
  var has = function (object, key) { return Object.prototype.hasOwnProperty.call(object, key); };

  /* Porter's step 1 only, as lunr.js 2.3.9 writes it; mirrors light_stem in sitegen/search.py. */
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

  /* What the index holds for a text; mirrors index_terms in sitegen/search.py. */
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

  /* A query word and the terms that count as finding it; mirrors QueryWord in sitegen/search.py. */
  function foundBy(word, term) {
    return term === word.stem || term === word.whole || term === word.head ||
      (word.prefix !== null && term.startsWith(word.prefix)) || (word.fuzzy && oneEditApart(term, word.stem));
  }

  /* Mirrors plain_words() in sitegen/search.py. */
  function plainWords(lunr, index, text, boosts) {
    var chunks = [];
    text.split(QUOTED).forEach(function (segment, i) {
      if (!segment) return;
      normalize(segment).replace(SYNTAX_MARKS, " ").split(" ").forEach(function (chunk) { if (chunk) chunks.push([chunk, i % 3 !== 0]); });
    });
    var partsOf = chunks.map(function (c) {
      return [c[0].split("-").map(trim).filter(function (p) { return p.length > 0; }), c[1]];
    });
    var last = -1;
    partsOf.forEach(function (p, i) { if (p[0].length) last = i; });
    var words = [];
    partsOf.forEach(function (p, i) {
      var parts = p[0], quoted = p[1];
      var whole = parts.length > 1 ? lightStem(parts.join("")) : null;
      parts.forEach(function (part, j) {
        var typing = i === last && j === parts.length - 1 && !quoted && !/ $/.test(text);
        if (isStopWord(lunr, part) && !(typing && words.length === 0)) return;
        var stem = lightStem(part);
        var known = has(index.invertedIndex, stem);
        var chars = Array.from(part), length = chars.length, head = null;
        var tolerant = length <= MAX_WORD_LENGTH;  // a longer "word" is matched exactly: no typo, prefix or head work
        if (typing && !known && tolerant) {
          for (var end = length - 1; end >= boosts.stemPrefixMinLength; end--) {
            var start = chars.slice(0, end).join("");
            if (has(index.invertedIndex, start)) { head = start; break; }
          }
        }
        words.push({ stem: stem, whole: whole, prefix: typing && tolerant && length >= boosts.prefixMinLength ? part : null, head: head,
                     fuzzy: tolerant && !known && !quoted && length >= boosts.fuzzyMinLength && !isStopWord(lunr, part), required: quoted });
      });
    });
    return words.slice(0, MAX_WORDS);
  }

  /* Mirrors plain_query() in sitegen/search.py. */
  function plainQuery(lunr, q, words, boosts) {
    words.forEach(function (word) {
      var presence = word.required ? lunr.Query.presence.REQUIRED : lunr.Query.presence.OPTIONAL;
      q.term(word.stem, { boost: boosts.exact, usePipeline: false, presence: presence });
      if (word.whole) q.term(word.whole, { boost: boosts.exact, usePipeline: false });
      if (word.prefix) q.term(word.prefix, { boost: boosts.prefix, wildcard: lunr.Query.wildcard.TRAILING, usePipeline: false });
      if (word.head) q.term(word.head, { boost: boosts.prefix, usePipeline: false });
      if (word.fuzzy) q.term(word.stem, { boost: boosts.fuzzy, editDistance: 1, usePipeline: false });
    });
  }

  /* Mirrors syntax_query() in sitegen/search.py: lunr's syntax where it parses with real fields, else null. */
  function syntaxResults(lunr, index, text) {
    if (!SYNTAX.test(text)) return null;
    try {
      return index.query(function (q) {
        new lunr.QueryParser(normalize(text), q).parse();
        q.clauses.forEach(function (clause) {
          if (clause.usePipeline) { clause.term = lightStem(trim(clause.term)); clause.usePipeline = false; }
          if ("editDistance" in clause) {
            if (Array.from(clause.term).length > MAX_WORD_LENGTH) delete clause.editDistance;
            else clause.editDistance = Math.min(clause.editDistance, MAX_EDIT_DISTANCE);
          }
        });
      });
    } catch (error) {
      if (error instanceof lunr.QueryParseError) return null;
      throw error;
    }
  }

  /* Per payload and doc, computed once: the title's query terms, and its stems without stop words. */
  var titles = new WeakMap();
  function titleOf(lunr, data, ref) {
    if (!titles.has(data)) titles.set(data, new Map());
    var known = titles.get(data);
    if (!known.has(ref)) {
      var terms = queryTerms(data.docs[ref][0]);
      var stems = terms.filter(function (t) { return !isStopWord(lunr, t); }).map(lightStem);
      known.set(ref, { terms: terms.join(" "), stems: " " + stems.join(" ") + " " });
    }
    return known.get(ref);
  }

  /* [{ref, score, terms, inNotes}] best first; mirrors search() in sitegen/search.py. Which query
     words a matched term finds is worked out once per term (bit masks), not once per paper. */
  function search(lunr, index, data, text) {
    var words = [];
    var matches = syntaxResults(lunr, index, text);
    if (matches === null) {
      words = plainWords(lunr, index, text, data.boosts);
      if (!words.length) return [];
      matches = index.query(function (q) { plainQuery(lunr, q, words, data.boosts); });
    }
    var wanted = queryTerms(text).join(" ");
    var phrase = words.length > 1 ? " " + words.map(function (w) { return w.stem; }).join(" ") + " " : null;
    var masks = new Map();  // term → [words it finds, words it is exactly]
    function masksOf(term) {
      if (!masks.has(term)) {
        var found = 0, exact = 0;
        words.forEach(function (w, i) {
          if (foundBy(w, term)) found |= 1 << i;
          if (term === w.stem || term === w.whole) exact |= 1 << i;
        });
        masks.set(term, [found, exact]);
      }
      return masks.get(term);
    }
    function bits(mask) { var n = 0; for (; mask; mask &= mask - 1) n++; return n; }
    var results = matches.map(function (r) {
      var ref = Number(r.ref), matched = r.matchData.metadata, terms = Object.keys(matched);
      var found = 0, exact = 0, inTitle = 0, inNotes = false;
      terms.forEach(function (t) {
        var m = masksOf(t), fields = matched[t];
        found |= m[0];
        exact |= m[1];
        if (has(fields, "title")) inTitle |= m[0];
        if (has(fields, "notes")) inNotes = true;
      });
      var title = titleOf(lunr, data, ref);
      return {
        ref: ref,
        score: r.score,
        terms: terms,
        inNotes: inNotes,
        key: [
          title.terms === wanted ? 0 : 1,
          -bits(found),
          -bits(exact & found),
          phrase !== null && title.stems.indexOf(phrase) >= 0 ? 0 : 1,
          -bits(inTitle),
          -Math.floor(r.score * 1e9 + 0.5),
          ref
        ]
      };
    });
    results.sort(function (a, b) {
      for (var i = 0; i < a.key.length; i++) if (a.key[i] !== b.key[i]) return a.key[i] - b.key[i];
      return 0;
    });
    return results;
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

  return { normalize: normalize, trim: trim, queryTerms: queryTerms, expand: expand, load: load,
           search: search, highlight: highlight, indexTerms: indexTerms, lightStem: lightStem };
});
