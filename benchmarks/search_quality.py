#!/usr/bin/env python3
"""Search quality, sitegen against Pagefind, on the same built pages of the example site.

    python3 benchmarks/search_quality.py [--per-kind 40] [--seed 1]

Builds the example site, indexes its built HTML with Pagefind (npm `pagefind`, `npm ci --prefix benchmarks`),
serves it on 127.0.0.1 (the benchmark only; the site itself never asks the network) and asks both engines
the same queries in headless Chromium (sitegen through `sitegen.search.search`, which the tests hold
identical to the page's code on the same index). Only paper pages count as answers.

Known-item queries (one right paper; MRR@10), made from a seeded sample of the example's papers by fixed
rules, never by looking at either engine's answers:
  title          the whole title, pasted
  title words    the title's three longest non-stop words, in order
  half-typed     those words with the last cut to its first 60% (4 letters at least)
  typo           those words with two neighbouring letters of the longest word swapped
  acronym        a title's capitalised short name ("CBAM", "LeViT") alone, when no other title has it
  spelling       title words with an American spelling made British ("normalization" → "normalisation")
  paraphrase     a description in other words, written by hand below (PARAPHRASES)
Topical queries (nDCG@10): TOPICAL, written by hand, and two-word phrases that stand in the titles of 3 to 12
papers (a seeded sample of `--topical` of them), graded by a rule on the text, not by an engine: 2 when the title
has every word of the query (as a word or its plural), 1 when the abstract has, else 0.

Held out: every query is in one of two halves by a hash of its text (`held_out`), fixed before any answer is seen.
Ranking changes are decided on the "dev" half only; the "held-out" half is the figure to report.
Pagefind's column is left out ("n/a") when it is not installed.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import math
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import zlib
from collections import Counter
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sitegen.pages import read_page  # noqa: E402
from sitegen.search.analyze import is_stop_word  # noqa: E402
from sitegen.search.query import load_searcher, search  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]
PAGEFIND = REPO / "benchmarks" / "node_modules" / ".bin" / "pagefind"
WORD = re.compile(r"[A-Za-z][A-Za-z0-9'-]*")
ACRONYM = re.compile(r"^([A-Z][A-Za-z0-9-]*[A-Z][A-Za-z0-9-]*):")
BRITISH = [("ization", "isation"), ("izing", "ising"), ("ized", "ised"), ("ize", "ise"), ("yze", "yse"), ("eling", "elling"),
           ("eled", "elled"), ("color", "colour"), ("behavior", "behaviour")]

# Written from the titles and abstracts before running either engine: what a person remembers of a paper.
PARAPHRASES = {
    "CBAM: Convolutional Block Attention Module": "attention module for CNNs over channels and spatial positions",
    "Vision Transformers Need Registers": "extra tokens remove high-norm artifacts in ViT attention maps",
    "Deep Residual Learning for Image Recognition": "residual connections make very deep image networks trainable",
    "SSD: Single Shot MultiBox Detector": "one-stage object detector with default boxes at several scales",
    "Diffusion Models Beat GANs on Image Classification": "diffusion model features used for classifying images better than GAN features",
    "Deep Interest Network for Click-Through Rate Prediction": "user interest modelling for ad click prediction",
    "RISE: Randomized Input Sampling for Explanation of Black-box Models": "saliency from random masks of the input for black-box models",
    "ResNeSt: Split-Attention Networks": "split attention across feature-map groups in a ResNet variant",
    "LeViT: a Vision Transformer in ConvNet's Clothing for Faster Inference": "fast inference hybrid of convolution and vision transformer",
    "Eigen-CAM: Class Activation Map using Principal Components": "class activation maps from principal components of features",
    "Interpretability Beyond Feature Attribution: Quantitative Testing with Concept Activation Vectors (TCAV)": "testing with concept activation vectors",
    "Compressing Features for Learning with Noisy Labels": "feature compression helps learning from noisy labels",
}

TOPICAL = [
    "feature attribution", "out-of-distribution generalization", "sparse autoencoders", "self-supervised learning",
    "object detection", "contrastive learning", "noisy labels", "knowledge distillation", "click-through rate prediction",
    "semantic segmentation", "vision transformer", "concept activation", "time series", "graph neural network",
    "domain adaptation", "representation similarity", "feature matching", "activation steering",
]


def build(site: Path) -> None:
    subprocess.run([sys.executable, "-m", "sitegen", "build", "-q", "-s", str(site)], check=True)
    if PAGEFIND.exists():
        subprocess.run([str(PAGEFIND), "--site", str(site / "site")], check=True, capture_output=True)


def held_out(query: str) -> bool:
    """Half of the queries, fixed by their text alone: never looked at while deciding how to rank."""
    return zlib.crc32(query.encode("utf-8")) % 2 == 1


def topical_phrases(papers: list[dict[str, str]], count: int, seed: int) -> list[str]:
    """Two neighbouring words of a title (no stop words, letters only) that 3 to 12 titles have: topics, by rule."""
    titles: Counter[str] = Counter()
    for paper in papers:
        words = [w.lower() for w in WORD.findall(paper["title"])]
        titles.update({f"{a} {b}" for a, b in zip(words, words[1:]) if a.isalpha() and b.isalpha()
                       and not is_stop_word(a) and not is_stop_word(b) and len(a) > 2 and len(b) > 2})
    phrases = sorted(p for p, n in titles.items() if 3 <= n <= 12 and p not in TOPICAL)
    return random.Random(seed).sample(phrases, min(count, len(phrases)))


def words_of(text: str) -> list[str]:
    return [w for w in WORD.findall(text) if not is_stop_word(w.lower())]


def known_items(papers: list[dict[str, str]], per_kind: int, seed: int) -> dict[str, list[tuple[str, str]]]:
    """(query, the one right paper's url) by kind, from fixed rules on a seeded sample."""
    rng = random.Random(seed)
    sample = rng.sample(papers, min(per_kind, len(papers)))
    kinds: dict[str, list[tuple[str, str]]] = {k: [] for k in ("title", "title words", "half-typed", "typo", "acronym", "spelling", "paraphrase")}
    for paper in sample:
        title, url = paper["title"], paper["url"]
        kinds["title"].append((title, url))
        longest = sorted(words_of(title), key=len, reverse=True)[:3]
        chosen = [w for w in words_of(title) if w in longest][:3]
        if len(chosen) < 2:
            continue
        kinds["title words"].append((" ".join(chosen), url))
        last = chosen[-1]
        if len(last) >= 6:
            kinds["half-typed"].append((" ".join([*chosen[:-1], last[: max(4, int(len(last) * 0.6))]]), url))
        target = max(chosen, key=len)
        if len(target) >= 5:
            i = rng.randrange(1, len(target) - 2)
            typo = target[:i] + target[i + 1] + target[i] + target[i + 2 :]
            kinds["typo"].append((" ".join(typo if w == target else w for w in chosen), url))
    for paper in papers:
        title, url = paper["title"], paper["url"]
        if (m := ACRONYM.match(title)) and sum(m[1].lower() in p["title"].lower() for p in papers) == 1:
            kinds["acronym"].append((m[1], url))
        words = words_of(title)
        for american, british in BRITISH:
            if any(american in w.lower() for w in words):
                query = " ".join(w.lower().replace(american, british) for w in words[:4])
                if query != " ".join(w.lower() for w in words[:4]):
                    kinds["spelling"].append((query, url))
                break
    by_title = {p["title"]: p["url"] for p in papers}
    kinds["paraphrase"] = [(q, by_title[t]) for t, q in PARAPHRASES.items() if t in by_title]
    return kinds


def grades(papers: list[dict[str, str]], query: str) -> dict[str, int]:
    """2 when the title has every query word (or its plural), 1 when the abstract does."""
    wanted = [w.lower() for w in re.split(r"[\s-]+", query) if w]

    def has_all(text: str) -> bool:
        found = set(re.findall(r"[a-z0-9]+", text.lower()))
        return all(w in found or w + "s" in found or w + "es" in found for w in wanted)
    return {p["url"]: 2 if has_all(p["title"]) else 1 if has_all(p["abstract"]) else 0 for p in papers}


def reciprocal_rank(answers: list[str], right: str) -> float:
    return next((1 / (i + 1) for i, url in enumerate(answers[:10]) if url == right), 0.0)


def ndcg(answers: list[str], graded: dict[str, int]) -> float:
    gain = sum((2 ** graded.get(url, 0) - 1) / math.log2(i + 2) for i, url in enumerate(answers[:10]))
    ideal = sorted(graded.values(), reverse=True)[:10]
    best = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return gain / best if best else 1.0


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-kind", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--topical", type=int, default=40, help="generated topical phrases (default: %(default)s)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        site = Path(work) / "example"
        (site / "content").mkdir(parents=True)
        shutil.copytree(REPO / "content" / "lists", site / "content" / "lists")
        shutil.copy(REPO / "content" / "taxonomy.yml", site / "content")
        build(site)
        papers = json.loads((site / "site" / "papers.json").read_text(encoding="utf-8"))["papers"]
        for paper in papers:  # papers.json leaves the abstract to the paper's page
            path = site / "content" / "papers" / f"{paper['url'].split('/')[1]}.md"
            source = read_page(path, path.read_text(encoding="utf-8"))
            paper["abstract"] = str(source.entries["abstract"].value or "") if "abstract" in source.entries else ""
        searcher = load_searcher(site / "site" / "search-index.js")
        url_of = [searcher.index.doc(ref)["url"] for ref in range(searcher.count)]
        items = known_items(papers, args.per_kind, args.seed)
        topical = TOPICAL + topical_phrases(papers, args.topical, args.seed)
        queries = sorted({q for pairs in items.values() for q, _ in pairs} | set(topical))

        pagefind_answers = ask_pagefind(site, queries) if PAGEFIND.exists() else None
        sitegen_answers = {q: [url_of[ref] for ref, _ in search(searcher, q)[:10]] for q in queries}

        def mean(values: list[float]) -> str:
            return f"{sum(values) / len(values):.3f}" if values else "-"

        def figures(answers: dict[str, list[str]] | None, pairs: list[tuple[str, str]], judged: list[str]) -> list[str]:
            """known-item MRR@10 and topical nDCG@10 of the dev half, the held-out half and all."""
            if answers is None:
                return ["n/a"] * 3
            halves = (lambda q: not held_out(q), held_out, lambda q: True)
            if judged:
                return [mean([ndcg(answers[q], grades(papers, q)) for q in judged if half(q)]) for half in halves]
            return [mean([reciprocal_rank(answers[q], u) for q, u in pairs if half(q)]) for half in halves]

        print(f"search quality on the example site ({len(papers)} papers), seed {args.seed}; dev | held-out | all\n")
        print("| query kind | queries (dev/held-out) | sitegen dev | sitegen held-out | sitegen all | Pagefind dev | Pagefind held-out | Pagefind all |")
        print("|---|---|---|---|---|---|---|---|")

        def row(name: str, pairs: list[tuple[str, str]], judged: list[str]) -> None:
            asked = [q for q, _ in pairs] or judged
            counts = f"{sum(not held_out(q) for q in asked)}/{sum(held_out(q) for q in asked)}"
            print(f"| {name} | {counts} | " + " | ".join(figures(sitegen_answers, pairs, judged) + figures(pagefind_answers, pairs, judged)) + " |")
        for kind, pairs in items.items():
            if pairs:
                row(f"known-item: {kind} (MRR@10)", pairs, [])
        all_pairs = [p for pairs in items.values() for p in pairs]
        row("known-item: all (MRR@10)", all_pairs, [])
        row("topical: by hand (nDCG@10)", [], TOPICAL)
        row("topical: title phrases (nDCG@10)", [], topical[len(TOPICAL):])
        row("topical: all (nDCG@10)", [], topical)
        firsts = [q for q, u in items["title"] if reciprocal_rank(sitegen_answers[q], u) < 1]
        print(f"\npasted titles not first: {len(firsts)} of {len(items['title'])}")
        missed = [(kind, q) for kind, pairs in items.items() for q, u in pairs if reciprocal_rank(sitegen_answers[q], u) < 1 and not held_out(q)]
        print(f"dev known-item queries where sitegen's first answer is not the paper ({len(missed)}):")
        for kind, q in missed:
            print(f"  {kind}: {q}")


def ask_pagefind(site: Path, queries: list[str]) -> dict[str, list[str]]:
    """Pagefind's first 10 paper pages for each query, from its index of the built pages, in Chromium over http."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site / "site")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{server.server_port}/index.html")
        answers: dict[str, list[str]] = page.evaluate("""async (queries) => {
          const pagefind = await import('/pagefind/pagefind.js');
          const answers = {};
          for (const q of queries) {
            const found = await pagefind.search(q);
            const data = await Promise.all(found.results.slice(0, 40).map((r) => r.data()));
            answers[q] = data.map((d) => d.url.replace(/^\\//, '')).filter((u) => u.startsWith('papers/')).slice(0, 10);
          }
          return answers;
        }""", queries)
        browser.close()
    server.shutdown()
    return {q: [u if u.endswith(".html") else u + "index.html" for u in urls] for q, urls in answers.items()}


if __name__ == "__main__":
    main()
