"""Catalog → the site's search index, and queries on it (`sitegen search`, and mirrored by static/search-core.js
in the browser), by concern: `analyze` (text → terms, on both sides), `index` (catalog → payload of postings and
one `SearchDoc` a paper), `shards` (payload ⇄ the base script and its shards), `query` (text → ranked papers)."""

from sitegen.search.index import build_search
from sitegen.search.query import load_searcher, search
from sitegen.search.shards import index_files, read_payload

__all__ = ["build_search", "index_files", "load_searcher", "read_payload", "search"]
