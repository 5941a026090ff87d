"""Build the typed Series model from raw mbox bytes with b4's parser."""

from __future__ import annotations

import argparse
import logging
from datetime import datetime
from email.message import EmailMessage
from email.policy import EmailPolicy

from reviewtui.errors import MboxError
from reviewtui.model.addresses import format_pair, header_pairs
from reviewtui.model.diff import commit_message_of, parse_diff, split_commit_and_diff
from reviewtui.model.links import MAX_REFERENCES, Links, repair_links, trim_references
from reviewtui.model.mbox import load_policy, message_id, parse_messages
from reviewtui.model.thread import Message, Patch, Revision, Series

_B4_READY = False


def setup_b4(config: dict[str, str] | None = None) -> None:
    """Configure b4 once (it reads git config); later calls only update the config."""
    global _B4_READY
    import b4

    if not _B4_READY:
        logging.getLogger("b4").setLevel(logging.CRITICAL)
        b4.setup_config(argparse.Namespace(config=dict(config or {})))
        _B4_READY = True
    elif config:
        b4.get_main_config().update(config)


def split_mbox(data: bytes, policy: EmailPolicy | None = None) -> list[EmailMessage]:
    """Split mbox bytes into messages with a usable Message-ID; MboxError when there are none."""
    setup_b4()
    if not data or data.isspace():  # (strip() would copy a 200 MB file)
        raise MboxError("the mbox is empty")
    if policy is None:
        policy, _registry = load_policy()
    try:
        msgs, _skipped = parse_messages(data, policy)
    except Exception as exc:  # the email parser raises assorted errors on garbage
        raise MboxError(f"not an mbox: {_short(exc)}") from exc
    if not msgs:
        raise MboxError("not an mbox: no message with a Message-ID found")
    return msgs


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:160] or type(exc).__name__


def _addresses(msg: EmailMessage, name: str) -> list[str]:
    """Addresses of header NAME, read raw: the policy's parsed headers cost most of a load."""
    values = [value for key, value in msg.raw_items() if key.lower() == name]
    return [format_pair(n, a) for n, a in header_pairs(values)] if values else []


def _date(lmsg) -> datetime | None:
    value = getattr(lmsg, "date", None)
    return value if isinstance(value, datetime) else None


def _message(lmsg) -> Message:
    msg = lmsg.msg
    return Message(
        msgid=lmsg.msgid,
        subject=lmsg.full_subject,
        author=lmsg.fromname or "",
        email=lmsg.fromemail or "",
        date=_date(lmsg),
        body=lmsg.body or "",
        in_reply_to=lmsg.in_reply_to,
        references=[r for r in (lmsg.references or []) if r != lmsg.msgid],
        to=_addresses(msg, "to"),
        cc=_addresses(msg, "cc"),
        trailers=[t.as_string(omit_extinfo=True) for t in (lmsg.trailers or [])],
    )


def _raw_references(msg: EmailMessage) -> list[str]:
    """References ids as b4 splits them, from the raw header (no policy parsing)."""
    from liblore.utils import clean_header

    values = [str(v) for k, v in msg.raw_items() if k.lower() == "references"]
    return [chunk.strip("<>") for value in values for chunk in clean_header(value).split()]


def _trim_references(msgs: list[EmailMessage]) -> list[str]:
    """Cut oversized References headers (on these parsed copies) before b4 reads them.

    b4 de-duplicates References with a list scan: quadratic on a list of 100,000 ids.
    """
    known = {message_id(msg) for msg in msgs}
    problems = []
    for msg in msgs:
        refs = _raw_references(msg)
        if len(refs) <= MAX_REFERENCES:
            continue
        kept, problem = trim_references(message_id(msg) or "", refs, known)
        if problem is None:
            continue
        problems.append(problem)
        del msg["References"]
        if kept:
            msg["References"] = " ".join(f"<{ref}>" for ref in kept)
    return problems


def _mailbox(msgs: list[EmailMessage]):
    """b4's mailbox of MSGS. b4 keeps each message's decoded body; the parsed payload (the raw
    body again, twice its size when it holds 8-bit bytes) is dropped once b4 has read it."""
    import b4

    lmbx = b4.LoreMailbox()
    for msg in msgs:
        lmbx.add_message(msg)
        msg.set_payload(None)  # only the headers are read from here on (To, Cc)
    return lmbx


def _repair_links(lmbx) -> list[str]:
    """Break References/In-Reply-To loops in b4's parsed messages before get_series walks them.

    Only b4's in-memory copies change; the mbox bytes are never touched.
    """
    lmsgs = lmbx.msgid_map
    links = [Links(m.msgid, m.in_reply_to, tuple(m.references)) for m in lmsgs.values()]
    repair = repair_links(links, age=lambda msgid: (lmsgs[msgid].date.timestamp(),))
    for msgid, link in repair.links.items():
        lmsgs[msgid].in_reply_to = link.in_reply_to
        lmsgs[msgid].references = list(link.references)
    return list(repair.problems)


def _patch(lmsg, counter: int, expected: int, message: Message, cover_trailers: list) -> Patch:
    import b4

    head, diff_text = split_commit_and_diff(lmsg.body or "")
    commit_message = commit_message_of(head)
    # b4 keeps trailers of follow-ups only; a patch's own ones are in its commit message.
    found, _others = b4.LoreMessage.find_trailers(commit_message)
    own = [t.as_string(omit_extinfo=True) for t in found]
    message.trailers = list(own)
    follow: list[str] = []
    for trailer in list(lmsg.followup_trailers) + list(cover_trailers):
        text = trailer.as_string(omit_extinfo=True)
        if text not in own and text not in follow:
            follow.append(text)
    message.kind = "patch"
    message.patch = counter
    return Patch(
        number=counter,
        expected=expected,
        subject=lmsg.subject,
        full_subject=lmsg.full_subject,
        message=message,
        commit_message=commit_message,
        trailers=own,
        diff=parse_diff(diff_text),
        followup_trailers=follow,
    )


def _revision(lmbx, number: int, messages: dict[str, Message]) -> Revision | None:
    # get_series adds follow-up trailers to every patch of the mailbox each time it runs;
    # _patch de-duplicates them, so one mailbox serves all revisions.
    lser = lmbx.get_series(revision=number, codereview_trailers=False)
    if lser is None:
        return None
    cover_lmsg = lser.patches[0] if lser.has_cover else None
    cover_trailers = list(cover_lmsg.followup_trailers) if cover_lmsg else []
    cover = None
    if cover_lmsg is not None and cover_lmsg.msgid in messages:
        cover = messages[cover_lmsg.msgid]
        cover.kind, cover.patch, cover.revision = "cover", 0, number
    patches: list[Patch] = []
    for counter, lmsg in enumerate(lser.patches[1:], start=1):
        if lmsg is None or lmsg.msgid not in messages:
            continue
        message = messages[lmsg.msgid]
        message.revision = number
        patches.append(_patch(lmsg, counter, lser.expected, message, cover_trailers))
    mismatches = sorted(
        f"{name}: {value} (sent by {fname} <{femail}>)"
        for name, value, fname, femail in lser.trailer_mismatches
    )
    for patch in patches:
        patch.trailer_mismatches = list(mismatches)
    return Revision(
        number=number,
        subject=lser.subject,
        author=lser.fromname or "",
        email=lser.fromemail or "",
        cover=cover,
        patches=patches,
        expected=lser.expected,
        complete=bool(lser.complete),
        change_id=lser.change_id,
        cover_trailers=[t.as_string(omit_extinfo=True) for t in cover_trailers],
    )


def _link_replies(series: Series) -> None:
    """Give every reply its parent chain, the patch it belongs to and its revision."""
    messages = series.messages
    owners: dict[str, tuple[int, int]] = {}
    for rev in series.revisions.values():
        if rev.cover is not None:
            owners[rev.cover.msgid] = (rev.number, 0)
        for patch in rev.patches:
            owners[patch.msgid] = (rev.number, patch.number)
    for msg in messages.values():
        if msg.msgid in owners:
            continue
        chain: list[str] = []
        seen = {msg.msgid}
        parent = msg.in_reply_to if msg.in_reply_to in messages else None
        if parent is None:
            # The direct parent is missing from the archive: use the nearest known reference.
            parent = next((r for r in reversed(msg.references) if r in messages), None)
        while parent is not None and parent not in seen:
            chain.append(parent)
            seen.add(parent)
            if parent in owners:
                break
            up = messages[parent]
            nxt = up.in_reply_to if up.in_reply_to in messages else None
            if nxt is None:
                nxt = next((r for r in reversed(up.references) if r in messages), None)
            parent = nxt
        msg.parents = chain
        owner = owners.get(chain[-1]) if chain else None
        if owner is not None:
            msg.revision, msg.patch = owner
    for rev in series.revisions.values():
        by_patch = {p.number: p for p in rev.patches}
        for msg in series.ordered_messages():
            if msg.kind != "reply" or msg.revision != rev.number:
                continue
            if msg.patch == 0:
                rev.cover_replies.append(msg)
            elif msg.patch in by_patch:
                by_patch[msg.patch].replies.append(msg)


def load_series(data: bytes) -> Series:
    """Parse a thread mbox into a Series with every revision it holds."""
    policy, registry = load_policy()
    try:
        return _load(split_mbox(data, policy))
    finally:
        registry.clear()


def _load(msgs: list[EmailMessage]) -> Series:
    problems = _trim_references(msgs)
    lmbx = _mailbox(msgs)
    problems += _repair_links(lmbx)
    messages: dict[str, Message] = {}
    for lmsg in lmbx.msgid_map.values():
        messages[lmsg.msgid] = _message(lmsg)
    revisions: dict[int, Revision] = {}
    for number in sorted(lmbx.series):
        rev = _revision(lmbx, number, messages)
        if rev is not None and rev.patches:
            revisions[number] = rev
    if not revisions:
        raise MboxError("no patch series found in the mbox (no message carries a diff)")
    series = Series(messages=messages, revisions=revisions, root_msgid="", problems=problems)
    series.root_msgid = _root_msgid(series)
    _link_replies(series)
    return series


def _root_msgid(series: Series) -> str:
    first = series.revisions[min(series.revisions)]
    msgid = first.root_msgid
    # Walk up in case the cover itself replies to something in the thread.
    seen = {msgid}
    while True:
        parent = series.messages[msgid].in_reply_to
        if parent is None or parent not in series.messages or parent in seen:
            return msgid
        seen.add(parent)
        msgid = parent
