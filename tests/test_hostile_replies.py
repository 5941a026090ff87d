"""Reviewed-by replies to hostile senders: no display name ever adds a recipient.

Checked three ways: the generated header lines, Python's own parse of the written message, and
what `git send-email --dry-run` (Debian git-email) would really send to.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from reviewtui.config import Identity
from reviewtui.export.replies import make_address, reply_headers
from reviewtui.model.addresses import format_pair
from reviewtui.model.load import load_series

try:
    from support.cli import CORPUS, run_cli
    from support.hostile_mail import EXPECTED_CC, hostile_recipients
except ImportError:
    from tests.support.cli import CORPUS, run_cli
    from tests.support.hostile_mail import EXPECTED_CC, hostile_recipients

PATCH_1 = "20230802095346.87449-2-wangkefeng.wang@huawei.com"
ME = Identity("Rita Reviewer", "rita@example.org")

NAMES = [
    "Wang, Kefeng",
    "Matthew Wilcox (Oracle)",
    "A very long name, with commas, that goes on and on, evil@attacker.example, and on",
    'Zoë "the reviewer" Müller, Jr.',
    "Back\\slash, \"Q\" Person",
    "evil@attacker.example, Other <other@attacker.example>",
    "=?utf-8?q?x=2C_evil=40attacker=2Eexample?=",
    "名前, 長い名前 " * 6,
    "plain",
]


def _message(raw: bytes):
    return email.message_from_bytes(raw, policy=email.policy.default)


@pytest.mark.parametrize("name", NAMES)
def test_every_name_round_trips_as_one_recipient(name):
    series = load_series((CORPUS / "migrate-folio-conversion.mbox").read_bytes())
    original = replace(series.messages[PATCH_1], author=name, to=["linux-mm@kvack.org"],
                       cc=[format_pair(name, "cc@example.org")])
    msg = reply_headers(original, ME)
    raw = msg.as_bytes(policy=email.policy.SMTP.clone(linesep="\n"))
    head = raw.split(b"\n\n", 1)[0].decode("ascii")  # all encoded: nothing 8-bit
    assert all(len(line) <= 78 for line in head.splitlines()), head
    parsed = _message(raw)
    (to,) = parsed["To"].addresses
    # Python's parser puts a space between encoded words that RFC 2047 decoders drop.
    assert to.addr_spec == original.email and to.display_name.split() == name.split()
    cc = parsed["Cc"].addresses
    assert [a.addr_spec for a in cc] == ["linux-mm@kvack.org", "cc@example.org"]
    assert cc[1].display_name.split() == name.split()
    assert [a.addr_spec for a in parsed["From"].addresses] == ["rita@example.org"]


def test_hostile_cc_header_is_split_before_names_are_decoded():
    data = hostile_recipients((CORPUS / "migrate-folio-conversion.mbox").read_bytes(), PATCH_1)
    patch = load_series(data).messages[PATCH_1]
    assert len(patch.cc) == 4 and len(patch.to) == 1  # the encoded list stayed one name
    addrs = {make_address(*pair).addr_spec for pair in (
        email.utils.parseaddr(v) for v in [*patch.to, *patch.cc])}
    assert addrs == EXPECTED_CC
    assert patch.author.startswith("Wang, Kefeng (a display name long enough")


def _send_email_dry_run(emls: list[Path], home: Path) -> str:
    env = {"HOME": str(home), "GIT_CONFIG_GLOBAL": str(home / "gitconfig"),
           "GIT_CONFIG_NOSYSTEM": "1", "PATH": "/usr/bin:/bin", "LC_ALL": "C"}
    home.mkdir(exist_ok=True)
    (home / "gitconfig").write_text("[user]\n\tname = Rita Reviewer\n\temail = rita@example.org\n")
    res = subprocess.run(
        ["git", "send-email", "--dry-run", "--confirm=never", "--smtp-server=/bin/true",
         "--from=Rita Reviewer <rita@example.org>", *map(str, emls)],
        check=False, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL,
        timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr
    return res.stdout + res.stderr


def _has_send_email() -> bool:
    if not shutil.which("git"):
        return False
    exec_path = subprocess.run(["git", "--exec-path"], check=False, capture_output=True,
                               text=True).stdout.strip()
    return bool(exec_path) and Path(exec_path, "git-send-email").exists()


@pytest.mark.skipif(not _has_send_email(), reason="git send-email (Debian git-email) missing")
def test_git_send_email_sends_to_exactly_the_thread(tmp_path, cli_env):
    hostile = tmp_path / "hostile.mbox"
    hostile.write_bytes(hostile_recipients(
        (CORPUS / "migrate-folio-conversion.mbox").read_bytes(), PATCH_1))
    out = tmp_path / "out"
    res = run_cli("--state", str(tmp_path / "state.sqlite3"), "trailers", "--mbox", str(hostile),
                  "--patches", "1", "-o", str(out), env=cli_env)
    assert res.returncode == 0, res.stderr
    emls = sorted(out.glob("*.eml"))
    assert len(emls) == 1
    log = _send_email_dry_run(emls, tmp_path / "home")
    sendmail = [ln for ln in log.splitlines() if ln.startswith("Sendmail: ")]
    assert len(sendmail) == 1, log
    recipients = set(sendmail[0].split(" -i ", 1)[1].split())
    assert recipients == EXPECTED_CC | {"wangkefeng.wang@huawei.com", "rita@example.org"}
    assert not any("attacker" in r for r in recipients)
