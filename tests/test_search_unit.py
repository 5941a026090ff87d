"""Search answers from a hostile or broken server (a stdlib server on 127.0.0.1), and the pure
pieces of the history: hits, hunks, dates, cache files."""

from __future__ import annotations

import gzip
import http.server
import json
import threading
import zlib
from typing import ClassVar

import pytest

try:
    from support.cli import CORPUS, run_cli
except ImportError:
    from tests.support.cli import CORPUS, run_cli

from reviewtui.analysis.history import (
    SiteQuery,
    group_hits,
    matching_hunk,
    parse_since,
    read_hit,
    relation,
)
from reviewtui.errors import FetchError
from reviewtui.lore import search
from reviewtui.lore.http import gunzip
from reviewtui.lore.search import SearchCache, check_query, run_search, search_server


def _mail(msgid: str, subject: str, date: str = "Mon, 14 Mar 2022 10:00:00 +0000",
          refs: str = "") -> bytes:
    head = f"From: A <a@x>\nSubject: {subject}\nDate: {date}\nMessage-ID: <{msgid}>\n"
    if refs:
        head += f"References: {refs}\n"
    return (head + "\nbody\n").encode()


def _mbox(*mails: bytes) -> bytes:
    return b"".join(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n" + m + b"\n" for m in mails)


class _Handler(http.server.BaseHTTPRequestHandler):
    answer: tuple[int, bytes, str] = (200, b"", "application/gzip")
    seen: ClassVar[list[str]] = []

    def do_POST(self):
        self.seen.append(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        status, body, kind = self.answer
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def stub():
    """A stdlib HTTP server on 127.0.0.1 answering every search with _Handler.answer."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Handler.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}/all"
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_hits_from_a_gzipped_mbox(stub):
    _Handler.answer = (200, gzip.compress(_mbox(
        _mail("p1@x", "[PATCH 1/2] one", refs="<c@x>"), _mail("c@x", "[PATCH 0/2] cover"),
        _mail("o@x", "other", date="Tue, 15 Mar 2022 10:00:00 +0000"))), "application/gzip")
    result = search_server(stub, "dfn:mm/migrate.c dfb:folio_mapcount", timeout=10)
    assert _Handler.seen == ["/all/?x=m&q=dfn%3Amm%2Fmigrate.c+dfb%3Afolio_mapcount"]
    assert [(h.msgid, h.root) for h in result.hits] == [("p1@x", "c@x"), ("c@x", "c@x"),
                                                        ("o@x", "o@x")]
    assert [(r.root, r.msgids) for r in group_hits(result.hits)] == [
        ("c@x", ("c@x", "p1@x")), ("o@x", ("o@x",))]
    assert not result.truncated


def test_no_results_is_an_empty_answer(stub):
    _Handler.answer = (404, b"No results found\n", "text/plain")
    assert search_server(stub, "dfhh:nothing", timeout=10).hits == ()


@pytest.mark.parametrize("answer, words", [
    ((500, b"oops", "text/plain"), "answered HTTP 500"),
    ((501, b"<html>", "text/html"), "no search index for this inbox"),
    ((200, b"<html>not gzip</html>", "text/html"), "truncated or corrupt search answer"),
    ((200, gzip.compress(_mbox(_mail("a@x", "a")))[:-12], "application/gzip"),
     "truncated or corrupt"),
])
def test_broken_answers_give_one_clear_error(stub, answer, words):
    _Handler.answer = answer
    with pytest.raises(FetchError, match=words):
        search_server(stub, "q", timeout=10)


def test_a_gzip_bomb_is_cut_at_the_limit(stub, monkeypatch):
    monkeypatch.setattr(search, "MAX_MBOX", 1 << 20)
    mails = [_mail(f"m{i}@x", "x" * 200) for i in range(20000)]  # ~5 MB of mbox
    bomb = gzip.compress(_mbox(*mails), 9)
    assert len(bomb) < 1 << 20
    _Handler.answer = (200, bomb, "application/gzip")
    result = search_server(stub, "q", timeout=10)
    assert result.truncated
    assert 0 < len(result.hits) <= search.MAX_HITS
    # Gunzip alone: never more than the limit, whole messages only.
    data, whole = gunzip(bomb, 1 << 16)
    assert not whole and len(data) == 1 << 16
    data = search._whole_messages(data)
    assert 0 < len(data) <= 1 << 16 and data.endswith(b"\n")
    assert gunzip(bomb, 8 << 20) == (_mbox(*mails), True)
    with pytest.raises((zlib.error, OSError)):
        gunzip(b"\x1f\x8b\x08\x00garbage", 100)


def test_the_compressed_answer_is_capped_too(stub, monkeypatch):
    monkeypatch.setattr(search, "MAX_ANSWER", 4096)
    noise = bytes(range(256)) * 400
    _Handler.answer = (200, gzip.compress(_mbox(_mail("a@x", "a")) + noise, 0),
                       "application/gzip")
    result = search_server(stub, "q", timeout=10)
    assert result.truncated


def test_a_lower_general_size_limit_caps_the_search_too(stub, monkeypatch):
    monkeypatch.setenv("REVIEWTUI_MAX_FETCH_BYTES", "4K")
    mails = [_mail(f"m{i}@x", "x" * 200) for i in range(100)]
    _Handler.answer = (200, gzip.compress(_mbox(*mails), 0), "application/gzip")
    result = search_server(stub, "q", timeout=10)
    assert result.truncated
    assert 0 < len(result.hits) < 4096 // 300
    assert [h.msgid for h in result.hits] == [f"m{i}@x" for i in range(len(result.hits))]
    monkeypatch.delenv("REVIEWTUI_MAX_FETCH_BYTES")
    whole = search_server(stub, "q", timeout=10)
    assert not whole.truncated and len(whole.hits) == 100


def test_cache_is_written_once_per_query_and_read_back(stub, tmp_path):
    _Handler.answer = (200, gzip.compress(_mbox(_mail("p@x", "[PATCH] p"))), "application/gzip")
    outcome = run_search(tmp_path, stub, "dfb:x", timeout=10)
    files = list((tmp_path / "searches").iterdir())
    assert len(files) == 1 and not list(tmp_path.glob("searches/*.tmp*"))
    stored = json.loads(files[0].read_text())
    assert stored["query"] == "dfb:x" and stored["hits"][0]["msgid"] == "p@x"
    cached = run_search(tmp_path, stub, "dfb:x", cached_only=True)
    assert cached.result.hits == outcome.result.hits
    assert cached.result.queried_at == outcome.result.queried_at
    files[0].write_text("{broken")
    assert SearchCache(tmp_path).load(stub, "dfb:x") is None


def test_hostile_headers_stay_one_capped_line():
    raw = (b"From: =?utf-8?q?=1B[31mEvil=1B[0m?= <e@x>\nSubject: " + b"A" * 5000
           + b"\n\tcontinued\nDate: not a date\nMessage-ID: <h@x>\n\nbody\n")
    hit = read_hit(raw)
    assert hit.author.startswith("\x1b[31mEvil") and len(hit.subject) == 300
    assert "\n" not in hit.subject and hit.date == ""
    assert read_hit(b"Subject: no id\n\nbody") is None


def test_search_table_escapes_what_the_server_sends(stub, cli_env, tmp_path):
    _Handler.answer = (200, gzip.compress(_mbox(
        b"From: x <x@x>\nSubject: \x1b[2J\x1b]8;;http://evil/\x07link\nDate: Mon, 14 Mar 2022 "
        b"10:00:00 +0000\nMessage-ID: <e@x>\n\nbody\n")), "application/gzip")
    res = run_cli("--cache-dir", str(tmp_path), "--server", stub, "search", "s:x", env=cli_env)
    assert res.returncode == 0, res.stderr
    assert "\x1b" not in res.stdout and "\x07" not in res.stdout
    assert "^[[2J^[]8;;http://evil/^Glink" in res.stdout


@pytest.mark.parametrize("query", ["", "   ", "a" * 1001, "dfn:x\x1b[2J"])
def test_bad_queries(query, cli_env, tmp_path):
    with pytest.raises(ValueError):
        check_query(query)
    res = run_cli("--cache-dir", str(tmp_path), "--server", "http://127.0.0.1:9", "search",
                  query, env=cli_env)
    assert res.returncode == 2 and res.stderr.startswith("reviewtui: error:")
    assert not (tmp_path / "searches").exists()


def test_since_dates():
    assert parse_since("2024-01-31") == parse_since("20240131") == "20240131"
    for bad in ("2024-02-30", "yesterday", "2024-1-1", "20240101..", ""):
        with pytest.raises(ValueError):
            parse_since(bad)


def test_relation_and_matching_hunk():
    from datetime import UTC, datetime

    ref = datetime(2023, 8, 2, tzinfo=UTC)
    assert relation("2022-03-14T10:00:00+00:00", ref) == "earlier"
    assert relation("2023-08-05T08:00:00+00:00", ref) == "later"
    from reviewtui.model.load import load_series

    series = load_series((CORPUS / "migrate-folio-conversion.mbox").read_bytes())
    patch = series.latest.patch(3).message.body
    query = SiteQuery("mm/migrate.c", ("migrate_misplaced_page",),
                      ("page_mapcount", "folio_estimated_sharers"))
    hunk = matching_hunk(patch, query)
    assert hunk[0].startswith("@@ ") and "migrate_misplaced_page" in hunk[0]
    assert "-\tif (page_mapcount(page) != 1 && page_is_file_lru(page) &&" in hunk
    assert len(hunk) <= 41
    assert matching_hunk(patch, SiteQuery("mm/other.c", ("f",), ("page_mapcount",))) == []


@pytest.mark.parametrize("value", ["0", "-1", "nan", "soon"])
def test_search_and_history_refuse_a_bad_timeout_in_one_line(cli_env, tmp_path, value):
    for args in (("search", "dfn:mm", "--timeout", value),
                 ("history", "--mbox", str(CORPUS / "migrate-folio-conversion.mbox"),
                  "84513eb03846", "--timeout", value)):
        out = run_cli("--cache-dir", str(tmp_path / "cache"), *args, env=cli_env)
        assert out.returncode == 2, (args, out.stderr)
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and "--timeout must be a number of seconds" in lines[0]
