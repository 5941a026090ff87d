"""The repository is self-contained: nothing it ships or tests reads outside itself."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUTSIDE = re.compile(r"\.\./shared|parents\[\d\]\s*/\s*[\"']shared[\"']|\.parent\s*/\s*[\"']shared[\"']")


def test_no_file_reads_outside_the_repository():
    offenders = []
    for top in ("reviewtui", "tests", "bench", ".ci"):
        for path in (REPO / top).rglob("*"):
            if path.is_file() and path.suffix in {".py", ".toml", ".tcss", ""} \
                    and path != Path(__file__).resolve():
                text = path.read_text(errors="replace")
                offenders += [f"{path.relative_to(REPO)}: {m.group(0)}" for m in OUTSIDE.finditer(text)]
    assert offenders == []


def test_corpus_copy_is_complete():
    corpus = REPO / "tests" / "data" / "corpus"
    names = {p.name for p in corpus.glob("*.mbox")}
    assert names == {"migrate-folio-conversion.mbox", "migrate-folio-conversion-v2.mbox",
                     "mapcount-large-folio-sharing.mbox", "mapcount-large-folio-sharing-v2.mbox"}
    assert (corpus / "expected_sites.json").is_file()
