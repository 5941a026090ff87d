"""Shared pytest fixtures for the reviewtui tests."""

try:  # tests/ is on sys.path (pytest's default rootdir-relative import mode)
    from support.public_inbox import pi_server
except ImportError:  # tests/ became a package
    from tests.support.public_inbox import pi_server  # noqa: F401

import pytest

try:
    from support.cli import isolated_env
except ImportError:
    from tests.support.cli import isolated_env


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Every test runs with its own HOME, XDG dirs and git config (never the user's)."""
    home = tmp_path_factory.mktemp("home")
    for key, value in isolated_env(home).items():
        monkeypatch.setenv(key, value)
    for key in [k for k in __import__("os").environ if k.startswith("REVIEWTUI_")]:
        monkeypatch.delenv(key, raising=False)
    return home


@pytest.fixture
def cli_env(_isolated_home):
    """The isolated environment as a dict, for subprocess calls."""
    return isolated_env(_isolated_home)
