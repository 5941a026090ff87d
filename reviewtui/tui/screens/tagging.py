"""The tag-picker and note-editor round trips shared by the review and remaining screens."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual.screen import Screen

from reviewtui.errors import ReviewtuiError
from reviewtui.tui.safe_text import clean_line
from reviewtui.tui.screens.note_editor import NoteEditor
from reviewtui.tui.screens.tag_picker import CLEAR, TagChoice, TagPicker

NEEDS_TAG = "tag the site first (t): a note belongs to its requirement"


def report_failure(screen: Screen, exc: Exception) -> None:
    """A write that did not reach the store, as an error notice."""
    screen.notify(clean_line(str(exc)), title="not saved", severity="error", markup=False,
                  timeout=8)


def _saving(screen: Screen, save: Callable, done: Callable,
            convert: Callable = lambda value: value) -> Callable:
    """A dialog callback: SAVE the converted answer (None = cancelled), then DONE."""

    def answered(value) -> None:
        if value is None:
            return
        value = convert(value)
        try:
            save(value)
        except (ReviewtuiError, ValueError) as exc:
            report_failure(screen, exc)
            return
        done(value)

    return answered


def ask_requirement(screen: Screen, requirements: Sequence[tuple[str, str]], current: str | None,
                    where: str, save: Callable[[str | None], None],
                    done: Callable[[str | None], None]) -> None:
    """Open the tag picker; SAVE the chosen requirement (None = untag), then call DONE."""
    choices = [TagChoice(tag, meaning) for tag, meaning in requirements]
    untag = lambda tag: None if tag == CLEAR else tag
    screen.app.push_screen(TagPicker(choices, current, where),
                           _saving(screen, save, done, untag))


def ask_note(screen: Screen, requirement: str | None, note: str, where: str,
             save: Callable[[str], None], done: Callable[[str], None]) -> None:
    """Open the note editor (only for a tagged site); SAVE the note, then call DONE."""
    if requirement is None:
        screen.notify(NEEDS_TAG, severity="warning", timeout=4)
        return
    screen.app.push_screen(NoteEditor(note, where), _saving(screen, save, done))


def ask_line_comment(screen: Screen, comment: str, where: str, save: Callable[[str], None],
                     done: Callable[[str], None]) -> None:
    """Open the editor for a comment on one diff line; SAVE it ('' deletes), then call DONE."""
    screen.app.push_screen(NoteEditor(comment, where, "Comment on this line"),
                           _saving(screen, save, done))
