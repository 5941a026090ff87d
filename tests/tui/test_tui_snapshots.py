"""Snapshots (SVG, committed under __snapshots__/) of the main screens on the demo thread.

The review screen itself, at 80x24 to 200x50, is in test_tui_sizes.py.

Update after a deliberate change with: pytest tests/tui/test_tui_snapshots.py --snapshot-update
and look at the new SVGs before committing them.
"""

from __future__ import annotations

import pytest
from conftest import SIZE

from reviewtui.tui.app import make_app

pytestmark = pytest.mark.usefixtures("colour")


def test_tag_picker(snap_compare, demo_backend):
    """The requirement tags of the catalogue with their meanings, over 2/4's site."""
    assert snap_compare(make_app(backend=demo_backend), press=["]", "t"], terminal_size=SIZE)


def test_series_summary(snap_compare, demo_backend):
    """Every site with its verdict; one tagged fn-unsafe (a risk), one estimate-ok (a cost)."""
    demo_backend.set_requirement(demo_backend.sites[0].id, "fn-unsafe")
    demo_backend.set_requirement(demo_backend.sites[2].id, "estimate-ok")
    assert snap_compare(make_app(backend=demo_backend), press=["s"], terminal_size=SIZE)


def test_thread_view(snap_compare, demo_backend):
    """The whole thread as a tree, on Matthew Wilcox's reply to 2/4."""
    assert snap_compare(make_app(backend=demo_backend), press=["]", "T"], terminal_size=SIZE)


def test_help(snap_compare, demo_backend):
    """The help screen generated from the key bindings."""
    assert snap_compare(make_app(backend=demo_backend), press=["question_mark"],
                        terminal_size=SIZE)
