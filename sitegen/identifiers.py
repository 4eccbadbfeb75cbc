"""arXiv ids and DOIs as every list format and a user's page spell them → one canonical form."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# New-style ids, YYMM.NNNN (April 2007 to 2014) or YYMM.NNNNN (from 2015), and old-style ones, archive/YYMMNNN
# (hep-th/9901001, cs.LG/0102003, 1991 to 2007), each with a real month; a version suffix is dropped. An id
# of another form (1706.3762: four digits in 2017) names no paper, so it is no id.
MONTH = r"(?:0[1-9]|1[0-2])"
ID = (rf"((?:0[7-9]|1[0-4]){MONTH}\.\d{{4}}(?!\d)|(?:1[5-9]|[2-9]\d){MONTH}\.\d{{5}}(?!\d)"
      rf"|[a-z][a-z-]*(?:\.[a-z]{{2}})?/(?:9[1-9]|0[0-7]){MONTH}\d{{3}}(?!\d))(?:v\d+)?")
ARXIV_FORMS = "YYMM.NNNNN from 2015, YYMM.NNNN from 2007 to 2014, or archive/YYMMNNN such as hep-th/9901001"
ARXIV_BARE = re.compile(rf"^(?:arxiv:\s*)?{ID}$", re.IGNORECASE)
ARXIV_IN_TEXT = re.compile(rf"arxiv\.org/(?:abs|pdf)/{ID}|10\.48550/arxiv\.{ID}|arxiv:\s*{ID}", re.IGNORECASE)
DOI = re.compile(r"10\.\d{4,9}/[^\s\"<>]+")


def arxiv_id(text: str) -> str:
    """The arXiv id of a bare id ('2309.16588v2', 'arXiv:2309.16588'); '' if the text is not one."""
    found = ARXIV_BARE.match(text.strip())
    return found.group(1) if found else ""


def arxiv_reference(text: str) -> str:
    """The arXiv id an abs/pdf URL, an arXiv DOI or an 'arXiv:NNNN' in running text points to; '' if none."""
    found = ARXIV_IN_TEXT.search(text)
    return next(group for group in found.groups() if group) if found else arxiv_id(text)


def doi_name(text: str) -> str:
    """The DOI in a bare DOI, `doi:` or a doi.org URL, without the resolver; '' if none."""
    found = DOI.search(text.strip())
    return found.group(0).rstrip(".,;") if found else ""


def is_web_url(value: object) -> bool:
    """Only http(s) addresses are published or linked: a `file:` URL or a local path in a .bib (a reference
    manager's attachment), a `javascript:` or `data:` URL from a list or a page, never are."""
    if not isinstance(value, str):
        return False
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def with_arxiv_id(text: str, arxiv: str) -> str:
    """`text` with every arXiv id it carries ('arXiv preprint arXiv:X', an arxiv.org URL, an arXiv DOI, a bare
    id) made `arxiv`: a corrected id leaves no stale copy beside it."""
    bare = ARXIV_BARE.match(text.strip())
    if bare:
        return bare.group(0)[: bare.start(1)] + arxiv

    def corrected(found: re.Match[str]) -> str:
        group = next(n for n in range(1, 4) if found.group(n))
        return found.string[found.start() : found.start(group)] + arxiv

    return ARXIV_IN_TEXT.sub(corrected, text)
