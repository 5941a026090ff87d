"""Tests of the throw-away public-inbox server helper (tests/support/public_inbox.py)."""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import b4
import liblore
import pytest
import requests
from liblore.utils import get_clean_msgid

from .public_inbox import PublicInboxServer, requires_public_inbox

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"
MBOX = CORPUS / "migrate-folio-conversion.mbox"
THREAD_SIZE = 32

pytestmark = requires_public_inbox()


@pytest.fixture(autouse=True)
def _isolated_liblore_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep in-process git/liblore/b4 away from the real home and from proxies."""
    for var, sub in (
        ("HOME", "home"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
    ):
        (tmp_path / sub).mkdir()
        monkeypatch.setenv(var, str(tmp_path / sub))
    (tmp_path / "gitconfig").touch()
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
def corpus() -> list[EmailMessage]:
    """The messages of the corpus thread, in file order."""
    assert MBOX.is_file(), f"corpus missing: {MBOX}"
    return b4.mailsplit_bytes(MBOX.read_bytes())


@pytest.fixture
def server() -> Iterator[PublicInboxServer]:
    """A server on the corpus thread."""
    with PublicInboxServer(MBOX) as srv:
        yield srv


@pytest.fixture
def node(server: PublicInboxServer, tmp_path: Path) -> Iterator[liblore.LoreNode]:
    """A liblore node on the server, caching under tmp_path."""
    with liblore.LoreNode(server.base_url, cache_dir=str(tmp_path / "liblore")) as lore:
        yield lore


def msgid_of(msg: EmailMessage) -> str:
    """The Message-ID of *msg* without angle brackets."""
    msgid = get_clean_msgid(msg)
    assert msgid is not None
    return msgid


def thread_msgids(server: PublicInboxServer, msgid: str) -> list[str]:
    """The Message-IDs in the server's t.mbox.gz for *msgid*, fetched with requests."""
    resp = requests.get(f"{server.base_url}/{msgid}/t.mbox.gz", timeout=30)
    resp.raise_for_status()
    return [msgid_of(m) for m in b4.mailsplit_bytes(gzip.decompress(resp.content))]


def late_reply(parent: EmailMessage, root_id: str) -> bytes:
    """A new reply to *parent* in the thread rooted at *root_id*, dated now."""
    msg = EmailMessage()
    msg["From"] = "Late Reviewer <late.reviewer@example.org>"
    msg["To"] = str(parent["From"])
    msg["Cc"] = "linux-mm@kvack.org"
    msg["Subject"] = "Re: " + str(parent["Subject"]).removeprefix("Re: ")
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = make_msgid("late", domain="example.org")
    msg["In-Reply-To"] = f"<{msgid_of(parent)}>"
    msg["References"] = f"<{root_id}> <{msgid_of(parent)}>"
    msg.set_content("Looks good to me.\n\nReviewed-by: Late Reviewer <late.reviewer@example.org>\n")
    return msg.as_bytes()


def processes_mentioning(text: str) -> list[int]:
    """Live processes whose command line or environment mentions *text*."""
    needle = text.encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            blobs = [(entry / name).read_bytes() for name in ("cmdline", "environ")]
        except OSError:
            continue
        if any(needle in blob for blob in blobs):
            found.append(int(entry.name))
    return found


def test_addresses(server: PublicInboxServer) -> None:
    """base_url and midmask look like lore's."""
    assert server.base_url == f"http://127.0.0.1:{server.port}/test"
    assert server.midmask == server.base_url + "/%s"


def test_thread_mbox_has_whole_thread(
    server: PublicInboxServer, corpus: list[EmailMessage]
) -> None:
    """GET <msgid>/t.mbox.gz returns all 32 corpus messages."""
    got = thread_msgids(server, msgid_of(corpus[0]))
    assert len(got) == THREAD_SIZE
    assert sorted(got) == sorted(msgid_of(m) for m in corpus)


def test_late_reply_seen_by_thread_and_update_query(
    server: PublicInboxServer, node: liblore.LoreNode, corpus: list[EmailMessage]
) -> None:
    """A reply added later is in the thread mbox and is exactly what rt: updates return."""
    root_id = msgid_of(corpus[0])
    assert len(b4.mailsplit_bytes(node.get_mbox_by_msgid(root_id))) == THREAD_SIZE
    since = datetime.now(UTC).replace(microsecond=0)
    assert node.get_thread_updates_since(root_id, since) == []

    new_id = server.add_message(late_reply(corpus[-1], root_id))

    assert new_id in thread_msgids(server, root_id)
    assert len(thread_msgids(server, root_id)) == THREAD_SIZE + 1
    refetched = node.get_mbox_by_msgid(root_id, nocache=True)
    assert len(b4.mailsplit_bytes(refetched)) == THREAD_SIZE + 1
    assert [msgid_of(m) for m in node.get_thread_updates_since(root_id, since)] == [new_id]


def test_rt_query_uses_imported_received_times(
    node: liblore.LoreNode, corpus: list[EmailMessage]
) -> None:
    """The imported messages keep their 2023 Received: times for rt: searches."""
    root_id = msgid_of(corpus[0])
    everything = node.get_thread_updates_since(root_id, datetime(2023, 7, 1, tzinfo=UTC))
    assert len(everything) == THREAD_SIZE
    assert node.get_thread_updates_since(root_id, datetime(2023, 9, 1, tzinfo=UTC)) == []


def test_successive_replies_get_increasing_received_times(
    server: PublicInboxServer, node: liblore.LoreNode, corpus: list[EmailMessage]
) -> None:
    """Two quick replies get distinct rt: times, so polling can tell them apart."""
    root_id = msgid_of(corpus[0])
    first = server.add_message(late_reply(corpus[0], root_id))
    first_time = server.last_received
    second = server.add_message(late_reply(corpus[0], root_id))
    second_time = server.last_received
    assert first_time is not None and second_time is not None
    assert second_time > first_time
    updates = node.get_thread_updates_since(root_id, first_time, sort=True)
    assert [msgid_of(m) for m in updates] == [first, second]
    updates = node.get_thread_updates_since(root_id, second_time)
    assert [msgid_of(m) for m in updates] == [second]


def test_import_mbox_into_running_server(server: PublicInboxServer) -> None:
    """A second mbox imported while the server runs is searchable right away."""
    v2 = b4.mailsplit_bytes((CORPUS / "migrate-folio-conversion-v2.mbox").read_bytes())
    root_id, since = msgid_of(v2[0]), datetime(2023, 7, 1, tzinfo=UTC)
    with liblore.LoreNode(server.base_url) as lore:
        assert lore.get_thread_updates_since(root_id, since) == []  # httpd opens Xapian
        server.import_mbox(CORPUS / "migrate-folio-conversion-v2.mbox")
        found = lore.get_thread_updates_since(root_id, since)
    assert sorted(msgid_of(m) for m in found) == sorted(msgid_of(m) for m in v2)


def test_empty_inbox_and_explicit_received_time(tmp_path: Path) -> None:
    """Without an mbox the inbox starts empty; *received* sets the rt: time."""
    raw = b"From: a@example.org\nSubject: lone\nMessage-ID: <lone@example.org>\n\nbody\n"
    when = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    with PublicInboxServer(name="other", workdir=tmp_path / "pi") as srv:
        assert srv.base_url.endswith("/other")
        assert srv.add_message(raw, received=when) == "lone@example.org"
        with liblore.LoreNode(srv.base_url) as lore:
            assert len(lore.get_thread_updates_since("lone@example.org", when)) == 1
            later = when + timedelta(seconds=1)
            assert lore.get_thread_updates_since("lone@example.org", later) == []
    assert (tmp_path / "pi" / "httpd.err.log").is_file()  # a given workdir is kept


def test_add_message_needs_message_id(server: PublicInboxServer) -> None:
    """A message without Message-ID is refused before delivery."""
    with pytest.raises(ValueError, match="Message-ID"):
        server.add_message(b"From: a@example.org\nSubject: x\n\nbody\n")


def test_stop_refuses_connections_and_leaves_no_processes() -> None:
    """After stop() the port refuses connections and no server process remains."""
    srv = PublicInboxServer(MBOX).start()
    root = srv.root
    requests.get(f"{srv.base_url}/_/text/help/", timeout=30).raise_for_status()
    assert processes_mentioning(str(root))
    srv.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{srv.base_url}/", timeout=5)
    assert processes_mentioning(str(root)) == []
    assert not root.exists()
    srv.stop()  # idempotent


def test_pi_server_fixture(pi_server: Callable[..., PublicInboxServer]) -> None:
    """The conftest factory fixture starts servers that answer."""
    srv = pi_server(MBOX, name="fixture")
    assert srv.base_url.endswith("/fixture")
    requests.get(f"{srv.base_url}/_/text/help/", timeout=30).raise_for_status()
