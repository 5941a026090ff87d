"""The left pane's list of the current patch's call sites with their verdicts."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from reviewtui.tui.safe_text import clean_line
from reviewtui.tui.verdicts import verdict_style, verdict_symbol
from reviewtui.tui.widgets.fixed import FixedSize


@dataclass(frozen=True)
class SiteItem:
    """One row: the site's number in the series, where it is, the API change and its verdict."""

    site_id: str
    number: str  # "2/3"
    function: str
    old_api: str
    new_api: str
    verdict: str
    requirement: str | None
    has_note: bool = False
    comments: int = 0


def site_prompt(item: SiteItem) -> Text:
    """'! 1/3 add_page_for_migration' then 'page_mapcount → folio_estimated_sharers  risk'."""
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append(f" {verdict_symbol(item.verdict)} ", verdict_style(item.verdict))
    text.append(f" {item.number} ", "bold")
    text.append(clean_line(item.function or "(no function)"))
    if item.comments:
        text.append(f" ●{item.comments}", "yellow")
    if item.has_note:
        text.append(" ✎", "cyan")
    text.append("\n     ")
    text.append(clean_line(item.old_api or "—"), "red")
    text.append(" → ")
    text.append(clean_line(item.new_api or "—"), "green")
    text.append(f"  {item.requirement or item.verdict}", "dim")
    return text


class SiteList(FixedSize, OptionList):
    """The call sites of the patch on display; highlighting one moves the diff cursor to it."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.site_ids: list[str] = []

    def set_items(self, items: list[SiteItem]) -> None:
        """Replace every entry (an empty patch shows a hint instead)."""
        self.site_ids = [item.site_id for item in items]
        if items:
            self.set_options(Option(site_prompt(item), id=item.site_id) for item in items)
        else:
            self.set_options([Option(Text("  no call sites in this patch", "dim"), disabled=True)])

    def update_item(self, item: SiteItem) -> None:
        """Redraw ITEM's row."""
        if item.site_id in self.site_ids:
            self.replace_option_prompt_at_index(self.site_ids.index(item.site_id),
                                                site_prompt(item))

    def select_site(self, site_id: str | None) -> None:
        """Highlight SITE_ID's row (none when None)."""
        index = self.site_ids.index(site_id) if site_id in self.site_ids else None
        if self.highlighted != index:
            self.highlighted = index
