"""The shared tag/note dialog round trips: what reaches the store for each answer."""

from __future__ import annotations

from types import SimpleNamespace

from reviewtui.errors import StateError
from reviewtui.tui.screens.tag_picker import CLEAR
from reviewtui.tui.screens.tagging import NEEDS_TAG, ask_note, ask_requirement


class FakeScreen:
    """Records pushed dialogs and notices like a Textual screen would show them."""

    def __init__(self) -> None:
        self.pushed = []
        self.notices = []
        self.app = SimpleNamespace(push_screen=lambda dialog, callback: self.pushed.append(
            (dialog, callback)))

    def notify(self, message, **kw) -> None:
        self.notices.append((message, kw.get("severity")))


def test_clear_in_the_picker_untags_but_an_empty_note_is_kept():
    screen, saved, done = FakeScreen(), [], []
    ask_requirement(screen, [("fn-unsafe", "x")], "fn-unsafe", "where", saved.append, done.append)
    callback = screen.pushed[-1][1]
    callback(None)  # cancelled: nothing saved
    callback(CLEAR)
    callback("fn-unsafe")
    assert saved == [None, "fn-unsafe"] and done == [None, "fn-unsafe"]
    ask_note(screen, "fn-unsafe", "old", "where", saved.append, done.append)
    screen.pushed[-1][1]("")  # the reviewer erased the note
    assert saved[-1] == "" and done[-1] == ""


def test_note_needs_a_tag_and_failures_are_reported():
    screen, saved = FakeScreen(), []
    ask_note(screen, None, "", "where", saved.append, saved.append)
    assert not screen.pushed and screen.notices == [(NEEDS_TAG, "warning")]

    def broken(_value):
        raise StateError("state file is read-only")

    ask_requirement(screen, [], None, "where", broken, saved.append)
    screen.pushed[-1][1]("policy")
    assert saved == [] and screen.notices[-1] == ("state file is read-only", "error")
