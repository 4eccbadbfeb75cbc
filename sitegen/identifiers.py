"""arXiv ids and DOIs as every list format and a user's page spell them → one canonical form."""

from __future__ import annotations

import re

# New-style ids, YYMM.NNNN (April 2007 to 2014) or YYMM.NNNNN (from 2015), and old-style ones, archive/YYMMNNN
# (hep-th/9901001, cs.LG/0102003, 1991 to 2007), each with a real month; a version suffix is dropped. An id
# of another form (1706.3762: four digits in 2017) names no paper, so it is no id.
MONTH = r"(?:0[1-9]|1[0-2])"
ID = (rf"((?:0[7-9]|1[0-4]){MONTH}\.\d{{4}}(?!\d)|(?:1[5-9]|[2-9]\d){MONTH}\.\d{{5}}(?!\d)"
      rf"|[a-z][a-z-]*(?:\.[a-z]{{2}})?/(?:9[1-9]|0[0-7]){MONTH}\d{{3}}(?!\d))(?:v\d+)?")
ARXIV_FORMS = "YYMM.NNNNN (from 2015), YYMM.NNNN (2007 to 2014) or archive/YYMMNNN (hep-th/9901001), quoted"
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
