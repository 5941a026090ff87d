"""Lists whose size the stylesheet fixes: new content must not re-arrange the whole screen."""

from __future__ import annotations


class FixedSize:
    """Mixin (before the widget class) dropping the layout requests a widget makes itself.

    Textual re-arranges and repaints the whole screen when a widget's virtual size changes;
    for a list whose height comes from CSS and whose scrollbar is always shown (overflow-y:
    scroll, so it never appears or vanishes), repainting the list itself is enough.
    """

    def refresh(self, *regions, repaint: bool = True, layout: bool = False,
                recompose: bool = False):
        return super().refresh(  # type: ignore[misc]
            *regions, repaint=repaint, layout=False, recompose=recompose)
