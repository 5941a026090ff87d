"""Make a thread's In-Reply-To/References links safe to walk before b4 sees them.

b4 follows In-Reply-To from a reply with trailers up to its patch and stops only at a patch,
a cover letter or a message that names itself: a loop of replies (A answers B, B answers A)
makes it walk forever. It also de-duplicates References with a list scan, which takes
minutes on a list of 100,000 ids. Here every message keeps its links unless

- its References list is longer than MAX_REFERENCES: only the nearest ids of messages in the
  thread are kept, at most MAX_REFERENCES of them (a real thread needs a few dozen); this is
  done on the headers, before b4 parses them (`trim_references`);
- it names itself: that id is dropped;
- its parent link closes a loop: in every loop the link of the oldest message is dropped
  (a message cannot answer one written after it) and its nearest remaining reference in the
  thread becomes its In-Reply-To (`repair_links`, on b4's parsed links before get_series).

The parent of a message is its In-Reply-To when that message is in the thread, else the
nearest References entry that is (the rule the model uses to place replies). Every repair
is reported as a problem text. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass

MAX_REFERENCES = 64
_SHOWN_IN_LOOP = 4
_ID_WIDTH = 80


@dataclass(frozen=True)
class Links:
    """A message's thread links as b4 reads them (ids without brackets)."""

    msgid: str
    in_reply_to: str | None
    references: tuple[str, ...]


@dataclass(frozen=True)
class Repair:
    """Changed links (by message-id) and one problem text per repair."""

    links: dict[str, Links]
    problems: tuple[str, ...]


def _show(msgid: str) -> str:
    """MSGID for a problem text: printable characters only, bounded length."""
    text = msgid if len(msgid) <= _ID_WIDTH else msgid[:_ID_WIDTH] + "..."
    return "<" + "".join(ch if ch.isprintable() else "?" for ch in text) + ">"


def _parent(link: Links, known: set[str] | dict[str, Links]) -> str | None:
    if link.in_reply_to is not None and link.in_reply_to in known:
        return link.in_reply_to
    return next((r for r in reversed(link.references) if r in known), None)


def _without(link: Links, gone: str, known: Container[str]) -> Links:
    """LINK without the id GONE; an In-Reply-To that named it becomes the nearest reference
    left that is in KNOWN (b4 would otherwise take the oldest one)."""
    refs = tuple(r for r in link.references if r != gone)
    irt = link.in_reply_to
    if irt == gone or irt is None:
        irt = next((r for r in reversed(refs) if r in known), None)
    return Links(link.msgid, irt, refs)


def trim_references(msgid: str, references: Sequence[str], known: Container[str],
                    ) -> tuple[tuple[str, ...], str | None]:
    """REFERENCES (duplicates dropped) and None, or, when longer than MAX_REFERENCES, the
    nearest ones that are in KNOWN (at most MAX_REFERENCES) and a problem text."""
    refs = tuple(dict.fromkeys(references))  # b4 keeps the first of duplicates
    if len(refs) <= MAX_REFERENCES:
        return refs, None
    kept = tuple(r for r in refs if r in known and r != msgid)[-MAX_REFERENCES:]
    return kept, (f"message {_show(msgid)} lists {len(refs)} message-ids in References; only "
                  f"the nearest {len(kept)} of this thread are used")


def _normalise(link: Links, known: dict[str, Links], problems: list[str]) -> Links:
    """Drop self-references and cut an oversized References list."""
    refs, problem = trim_references(link.msgid, link.references, known)
    if problem:
        problems.append(problem)
    link = Links(link.msgid, link.in_reply_to, refs)
    if link.in_reply_to == link.msgid or link.msgid in refs:
        problems.append(f"message {_show(link.msgid)} names itself in In-Reply-To/References; "
                        "that link is ignored")
        link = _without(link, link.msgid, known)
    return link


def _loops(links: dict[str, Links]) -> list[list[str]]:
    """Every cycle of the parent graph (each message has at most one parent), in walk order."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles = []
    for start in links:
        if start in state:
            continue
        path: list[str] = []
        node: str | None = start
        while node is not None and node not in state:
            state[node] = 1
            path.append(node)
            node = _parent(links[node], links)
        if node is not None and state[node] == 1:
            cycles.append(path[path.index(node):])
        for visited in path:
            state[visited] = 2
    return cycles


def repair_links(links: Sequence[Links],
                 age: Callable[[str], tuple] = lambda msgid: ()) -> Repair:
    """Links of LINKS (first of each message-id counts) with self-links, huge References and
    loops removed. AGE(msgid) orders messages oldest first (ties: the order of LINKS)."""
    known: dict[str, Links] = {}
    for link in links:
        known.setdefault(link.msgid, link)
    position = {msgid: i for i, msgid in enumerate(known)}
    problems: list[str] = []
    current = {msgid: _normalise(link, known, problems) for msgid, link in known.items()}
    while cycles := _loops(current):
        for cycle in cycles:
            victim = min(cycle, key=lambda m: (age(m), position[m]))
            parent = _parent(current[victim], current)
            assert parent is not None
            current[victim] = _without(current[victim], parent, current)
            shown = " -> ".join(_show(m) for m in cycle[:_SHOWN_IN_LOOP])
            more = f" -> ... ({len(cycle)} messages)" if len(cycle) > _SHOWN_IN_LOOP else ""
            problems.append(f"In-Reply-To/References loop {shown}{more} -> back; the link of "
                            f"{_show(victim)} to {_show(parent)} is ignored")
    changed = {m: link for m, link in current.items() if link != known[m]}
    return Repair(links=changed, problems=tuple(problems))
