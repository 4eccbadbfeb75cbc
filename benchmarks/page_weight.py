"""The weight of the biggest pages at N papers in one list: HTML bytes raw and gzipped per kind of page,
papers per page, and the rows script a filter loads to cover every page.

    python3 benchmarks/page_weight.py [N=10000]

Uses ../shared/bench/gen_corpus.py for the corpus (all N papers in one list, the worst case).
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GEN_CORPUS = REPO.parent.parent / "shared" / "bench" / "gen_corpus.py"


def gzipped(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def paper_items(html: str) -> int:
    """Papers on a page: the items of a list of papers, or the rows of an index (which carry no class)."""
    rows = sum(part.split("</ol>", 1)[0].count("<li") for part in html.split('<ol class="paper-index"')[1:])
    return html.count('<li class="paper-item"') + rows


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    generator = GEN_CORPUS if GEN_CORPUS.exists() else Path("/work/shared/bench/gen_corpus.py")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        subprocess.run([sys.executable, str(generator), str(count), str(root / "corpus"), "--per-file", str(count), "--forms", "raw"],
                       check=True, capture_output=True)
        lists = root / "site" / "content" / "lists"
        lists.mkdir(parents=True)
        for raw in (root / "corpus" / "raw").glob("*.txt"):
            (lists / raw.name).write_bytes(raw.read_bytes())
        (root / "site" / "content" / "taxonomy.yml").write_bytes((REPO / "content" / "taxonomy.yml").read_bytes())
        subprocess.run([sys.executable, "-m", "sitegen", "build", "-s", str(root / "site")], check=True, capture_output=True,
                       env={**os.environ, "SOURCE_DATE_EPOCH": "1790000000"})
        out = root / "site" / "site"
        kinds = {"list pages": "lists/*/**/index.html", "tag pages": "tags/*/**/index.html", "all-papers pages": "papers/index.html",
                 "all-papers later pages": "papers/page/*/index.html", "home": "index.html"}
        print(f"{count} papers in one list")
        for kind, pattern in kinds.items():
            pages = sorted(out.glob(pattern))
            if not pages:
                continue
            biggest = max(pages, key=gzipped)
            items = paper_items(biggest.read_text(encoding="utf-8"))
            print(f"  {kind:24} {len(pages):5} pages; biggest {biggest.relative_to(out)}: "
                  f"{biggest.stat().st_size / 1024:7.0f} KB, {gzipped(biggest) / 1024:5.0f} KB gzipped, {items} papers")
        for rows in sorted(out.glob("**/rows.js"))[:3]:
            print(f"  rows script {rows.relative_to(out)}: {rows.stat().st_size / 1024:.0f} KB, {gzipped(rows) / 1024:.0f} KB gzipped "
                  "(loaded only when a filter is used on a collection of several pages)")


if __name__ == "__main__":
    main()
