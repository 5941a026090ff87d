"""Run the reviewtui command line in a subprocess with an isolated environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "data" / "corpus"
DEMO_CACHE = REPO / "cache"
MIGRATE_V1 = "20230802095346.87449-1-wangkefeng.wang@huawei.com"
MIGRATE_V2 = "20230821115624.158759-1-wangkefeng.wang@huawei.com"
MADVISE_V1 = "20230728161356.1784568-1-fengwei.yin@intel.com"
MADVISE_V2 = "20230808020917.2230692-1-fengwei.yin@intel.com"


def isolated_env(home: Path) -> dict[str, str]:
    """Environment with HOME, XDG dirs and git config pointing inside HOME."""
    home.mkdir(parents=True, exist_ok=True)
    gitconfig = home / "gitconfig"
    if not gitconfig.exists():
        gitconfig.write_text("[user]\n\tname = Rita Reviewer\n\temail = rita@example.org\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REVIEWTUI_", "XDG_"))}
    env.update(
        HOME=str(home),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CONFIG_HOME=str(home / ".config"),
        GIT_CONFIG_GLOBAL=str(gitconfig),
        GIT_CONFIG_NOSYSTEM="1",
        NO_COLOR="1",
        COLUMNS="200",
    )
    return env


def run_cli(*args: str, env: dict[str, str], timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    """Run `reviewtui ARGS` and capture its output as text."""
    return subprocess.run(
        [sys.executable, "-m", "reviewtui.cli", *args],
        check=False, env=env, capture_output=True, text=True, timeout=timeout, **kw,
    )
