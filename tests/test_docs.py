"""docs/method.md is what the docstrings cite: every section number cited anywhere in the
repository ("docs/method.md §N" or "§N.M", lists and ranges like "§4, §8" or "§3-4"), and every
"§N" that the page uses to refer to itself, must be a heading of the page."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
METHOD = ROOT / "docs" / "method.md"
# where citations live: the package, its tests, benchmarks, experiment files and the docs
SCANNED = ("src", "tests", "benchmarks", "experiments", "docs")
TOP_LEVEL = ("README.md", "CHANGELOG.md", "BENCHMARKS.md")
SUFFIXES = {".py", ".md", ".toml", ".txt", ".rst"}

NUMBER = r"\d+(?:\.\d+)*"
# "docs/method.md §3", "... §4, §8", "... §2 and §7", "... §3-4", "... §1–§3"
CITATION = re.compile(rf"docs/method\.md\s*(§{NUMBER}(?:\s*(?:,\s*§|and\s+§|[-–]\s*§?){NUMBER})*)")
HEADING = re.compile(rf"^#+\s+§({NUMBER})", re.MULTILINE)


def _headings(text: str) -> set[str]:
    return set(HEADING.findall(text))


def _cited(text: str) -> list[str]:
    return [n for chain in CITATION.findall(text) for n in re.findall(NUMBER, chain)]


def _files():
    for name in SCANNED:
        yield from (p for p in sorted((ROOT / name).rglob("*")) if p.is_file() and p.suffix in SUFFIXES)
    yield from (ROOT / name for name in TOP_LEVEL if (ROOT / name).is_file())


def test_parsing_of_citations_and_headings():
    # the parser itself, on text written here, so that the scan below could fail
    text = ("see docs/method.md §4, §8 and docs/method.md §3-4; docs/method.md §1–§3. "
            "docs/method.md §3.2's interval; docs/method.md §7.")
    assert _cited(text) == ["4", "8", "3", "4", "1", "3", "3.2", "7"]
    assert _headings("# Title\n## §2 Exact\n### §2.10 Noise\n#### not §9\n") == {"2", "2.10"}
    assert _cited("docs/method.md §5, 17 points") == ["5"]


def test_the_first_eight_sections_are_the_citable_topics():
    headings = _headings(METHOD.read_text(encoding="utf-8"))
    assert {str(n) for n in range(1, 9)} <= headings


def test_every_citation_of_docs_method_exists():
    headings = _headings(METHOD.read_text(encoding="utf-8"))
    missing = []
    for path in _files():
        text = path.read_text(encoding="utf-8", errors="replace")
        missing += [f"{path.relative_to(ROOT)}: §{n}" for n in _cited(text) if n not in headings]
    assert not missing, "cited sections that docs/method.md lacks:\n" + "\n".join(missing)


def test_the_page_refers_only_to_its_own_sections():
    text = METHOD.read_text(encoding="utf-8")
    headings = _headings(text)
    body = HEADING.sub("", text)
    referred = set(re.findall(rf"§({NUMBER})", body))
    assert referred, "the page refers to none of its sections"
    assert referred <= headings, f"the page refers to sections it lacks: {sorted(referred - headings)}"
