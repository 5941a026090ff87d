"""The README's demo and review-session commands run as written, in a copy of the repository.

The commands are read from README.md itself, so the test follows the documentation. They run
in bash from a temporary copy (nothing beside it), with `reviewtui` on PATH running that copy
and `git send-email` handing the mails to a local stand-in for sendmail.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SENDMAIL = """#!/bin/sh
echo "$@" >> "$(dirname "$0")/sent.log"
cat >> "$(dirname "$0")/sent.mbox"
"""


def readme_blocks(heading: str) -> list[str]:
    """The indented code lines under HEADING, continuation lines joined."""
    text = (REPO / "README.md").read_text()
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    commands: list[str] = []
    joining = False
    for line in section.splitlines():
        if not line.startswith("    "):
            joining = False
            continue
        code = line[4:]
        if joining:
            commands[-1] = commands[-1][:-1] + " " + code.strip()
        else:
            commands.append(code)
        joining = code.endswith("\\")
    return commands


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != ".lock"):
        digest.update(str(path.relative_to(root)).encode() + path.read_bytes())
    return digest.hexdigest()


def _has_send_email() -> bool:
    exec_path = subprocess.run(["git", "--exec-path"], capture_output=True, text=True,
                               check=False).stdout.strip()
    return bool(exec_path) and (Path(exec_path) / "git-send-email").is_file()


@pytest.mark.skipif(not _has_send_email(), reason="git send-email (Debian git-email) is missing")
def test_demo_then_session_commands_verbatim(tmp_path, cli_env):
    copy = tmp_path / "reviewtui"
    ignore = shutil.ignore_patterns(".venv", "__pycache__", "*.egg-info", ".git", "tests")
    shutil.copytree(REPO, copy, ignore=ignore)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "reviewtui"
    wrapper.write_text(f'#!/bin/sh\nexec {sys.executable} -m reviewtui.cli "$@"\n')
    wrapper.chmod(0o755)
    sendmail = tmp_path / "sendmail"
    sendmail.write_text(SENDMAIL)
    sendmail.chmod(0o755)
    gitconfig = Path(cli_env["GIT_CONFIG_GLOBAL"])
    gitconfig.write_text(gitconfig.read_text() + f"[sendemail]\n\tsmtpServer = {sendmail}\n"
                         "\tconfirm = never\n")
    env = {**cli_env, "PATH": f"{bin_dir}:{cli_env['PATH']}", "PYTHONPATH": str(copy)}
    env.pop("COLUMNS", None)
    shipped = tree_digest(copy / "cache")

    (demo,) = [c for c in readme_blocks("Set-up: two commands") if "pip install -q -e ." in c]
    # The demo's own step after the install, through the copy (not a terminal: it prints).
    review = "reviewtui " + demo.split(".venv/bin/reviewtui ", 1)[1]
    session = readme_blocks("A review session")
    assert session[0].startswith("reviewtui review ") and "git send-email outgoing/*.eml" in session
    for command in [review, *[c for c in session if not c.startswith("reviewtui fetch ")]]:
        result = subprocess.run(["bash", "-c", command], cwd=copy, env=env, capture_output=True,
                                text=True, timeout=120, stdin=subprocess.DEVNULL, check=False)
        assert result.returncode == 0, (command, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr

    outgoing = sorted((copy / "outgoing").iterdir())
    assert [p.name[:4] for p in outgoing] == ["0001", "0004"]
    changes, reviewed = (p.read_text() for p in outgoing)
    flat = " ".join(changes.split())
    assert "must not move a page others map" in flat and "is that enough here?" in flat
    assert "Reviewed-by" not in changes
    assert reviewed.rstrip().endswith("Reviewed-by: Rita Reviewer <rita@example.org>")
    sent = (tmp_path / "sent.log").read_text().splitlines()
    assert len(sent) == 2 and all("wangkefeng.wang@huawei.com" in line for line in sent)
    assert "fn-unsafe" in (copy / "audit.html").read_text()
    assert tree_digest(copy / "cache") == shipped  # the shipped cache is read, never written


def test_the_fetch_line_is_the_only_online_one():
    session = readme_blocks("A review session")
    online = [c for c in session if re.search(r"\bfetch\b|--refresh", c)]
    assert online == [c for c in session if c.startswith("reviewtui fetch ")]
