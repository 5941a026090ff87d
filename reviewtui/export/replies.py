"""Review replies as real, threaded RFC 822 messages (.eml files or one mbox); never sent.

A reply quotes the patch sparingly, the way a reviewer writes: only the call sites that carry
a note and the lines that carry a comment, each with its diff lines and a little context, the
note or comment under them, and at the end the trailer (Reviewed-by, ...) — or no trailer at
all for a reply that asks for changes. Every header is built with the email library from cleaned values, so a name or
subject holding line breaks cannot add headers.
"""

from __future__ import annotations

import base64
import email.policy
import email.utils
import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

from reviewtui.analysis.callsite import CallSite
from reviewtui.config import Identity
from reviewtui.errors import ReviewtuiError, UsageError
from reviewtui.lore.cache import raw_to_mbox, write_atomic
from reviewtui.lore.revisions import subject_stem
from reviewtui.model.diff import FilePatch, Hunk
from reviewtui.model.thread import Message, Patch, Revision
from reviewtui.store.records import CHANGES_REQUESTED, REVIEWED_BY

TRAILERS = ("Reviewed-by", "Acked-by", "Tested-by")
# email.policy.SMTP without the CRLF: files on disk and mboxes use LF.
POLICY = email.policy.SMTP.clone(linesep="\n")
CONTEXT_BEFORE = 3
CONTEXT_AFTER = 1
WRAP = 72
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_BODY_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]")  # tabs stay
_ADDR_SPEC = re.compile(r"^[^\s@<>()\[\],;:\\\"]+@[A-Za-z0-9.-]+$")
_MSGID = re.compile(r"^[\x21-\x3b\x3d\x3f-\x7e]+$")  # printable ASCII but < and >
_RE_PREFIX = re.compile(r"^(?:\s*re\s*:\s*)+", re.IGNORECASE)
# A note line b4 would read as a follow-up trailer (LoreMessage.find_trailers).
_TRAILER_LIKE = re.compile(r"^\s*(\w\S+):\s+(\S.*)")
_B4_NONPERSON = {"fixes", "link", "buglink", "closes", "subject", "date", "obsoleted-by",
                 "change-id", "base-commit"}


@dataclass(frozen=True)
class SiteNote:
    """A call site and the reviewer's note on it."""

    site: CallSite
    note: str


@dataclass(frozen=True)
class LineNote:
    """The reviewer's comment on one diff line of patch PATCH (side "old" or "new")."""

    patch: int
    file: str
    side: str
    line: int
    body: str


@dataclass(frozen=True)
class Reply:
    """One reply message and what it answers (patch number; 0 = the cover letter)."""

    number: int
    subject: str  # the subject of the message replied to, cleaned
    message: EmailMessage

    @property
    def filename(self) -> str:
        """'0001-re-<slug>.eml': numbered like git format-patch, safe for any file system."""
        slug = re.sub(r"[^a-z0-9]+", "-", subject_stem(self.subject).lower()).strip("-")
        return f"{self.number:04d}-re-{slug[:52].rstrip('-') or 'patch'}.eml"

    def as_bytes(self) -> bytes:
        """The message as written to a file (LF line ends)."""
        return self.message.as_bytes(policy=POLICY)


def clean_header(text: str | None) -> str:
    """A header value with control characters (CR, LF, NUL, ...) made spaces, spaces collapsed."""
    return " ".join(_CONTROL.sub(" ", text or "").split())


def make_address(name: str | None, addr: str | None) -> Address | None:
    """An Address from cleaned parts, or None when ADDR is not a plain user@domain."""
    addr = clean_header(addr)
    if not _ADDR_SPEC.match(addr) or len(addr) > _LINE - 5:  # "<addr>," on one folded line
        return None
    try:
        return Address(display_name=clean_header(name), addr_spec=addr)
    except (ValueError, IndexError, TypeError):
        return None


# Characters of an RFC 5322 atom (and spaces): a display name of these needs no quoting.
_ATOM_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+$")
# The policy refolds any header with a line longer than this, and its refolding of a quoted
# display name drops the quotes (Python 3.11): a comma in a name then becomes a recipient.
# Address headers are therefore folded here, each line short enough to be kept as it is.
_LINE = 78
_WORD_BYTES = 45  # UTF-8 bytes per encoded word: "=?utf-8?b?" + 60 base64 chars + "?=" = 72


def _encoded_words(name: str) -> list[str]:
    """NAME as RFC 2047 base64 encoded words of 72 chars at most, split after spaces.

    A decoder joins adjacent encoded words without the whitespace between them (RFC 2047);
    some (Python's) add a space: splitting after a space keeps both readings close.
    """
    words, chunk = [], b""
    for token in re.findall(r"\S+\s*|\s+", name):
        data = token.encode("utf-8", "replace")
        if chunk and len(chunk) + len(data) > _WORD_BYTES:
            words.append(chunk)
            chunk = b""
        if len(data) <= _WORD_BYTES:
            chunk += data
            continue
        for char in token:  # a token longer than a word: split between its characters
            piece = char.encode("utf-8", "replace")
            if len(chunk) + len(piece) > _WORD_BYTES:
                words.append(chunk)
                chunk = b""
            chunk += piece
    words.append(chunk)
    return [f"=?utf-8?b?{base64.b64encode(w).decode('ascii')}?=" for w in words if w]


def address_atoms(address: Address) -> list[str]:
    """ADDRESS as pieces that a header may be folded between (never inside one).

    A name of atom characters stays as it is, other printable ASCII names are quoted, and
    anything else is encoded (RFC 2047, base64): non-ASCII, too long for one line, or holding
    `@ < > " \\`. git send-email takes the first `user@host` it finds anywhere in
    'Name <addr>' as the recipient, quotes or not, so such a name must never be readable.
    """
    angle = f"<{address.addr_spec}>"
    name = address.display_name
    if not name:
        return [angle]
    plain = name.isascii() and name.isprintable() and "=?" not in name  # no encoded-word look
    if plain and len(name) + len(angle) + 4 < _LINE:
        if _ATOM_NAME.match(name):
            return [f"{name} {angle}"]
        if not any(c in name for c in '@<>"\\'):
            return [f'"{name}" {angle}']
    return [*_encoded_words(name), angle]


def set_addresses(msg: EmailMessage, field: str, addresses: Sequence[Address]) -> None:
    """Set FIELD (From, To, Cc) to ADDRESSES, folded between addresses and encoded words."""
    lines = [""]
    room = _LINE - len(field) - 2
    for i, address in enumerate(addresses):
        atoms = address_atoms(address)
        for j, atom in enumerate(atoms):
            last = j == len(atoms) - 1
            text = atom + ("," if last and i < len(addresses) - 1 else "")
            if lines[-1] and len(lines[-1]) + 1 + len(text) > room:
                lines.append(text)
                room = _LINE - 1  # continuation lines start with one space
            else:
                lines[-1] = f"{lines[-1]} {text}" if lines[-1] else text
    msg.set_raw(field, "\n ".join(lines))


def _addresses(values: Iterable[str]) -> list[Address]:
    found = []
    for name, addr in email.utils.getaddresses([clean_header(v) for v in values]):
        address = make_address(name, addr)
        if address is not None:
            found.append(address)
    return found


def reply_subject(subject: str) -> str:
    """'Re: <subject>' with any Re: prefixes the original had folded into one."""
    return "Re: " + _RE_PREFIX.sub("", clean_header(subject))


def _msgid(value: str | None) -> str | None:
    value = clean_header(value).strip("<>")
    return value if value and len(value) <= 250 and _MSGID.match(value) else None


def _domain(addr: str) -> str:
    domain = addr.rpartition("@")[2]
    return domain if re.fullmatch(r"[A-Za-z0-9.-]+", domain or "") else "localhost"


def reply_headers(original: Message, reviewer: Identity, date: datetime | None = None) -> EmailMessage:
    """A message with the threading and address headers of a reply to ORIGINAL."""
    me = make_address(reviewer.name, reviewer.email)
    if me is None:
        raise UsageError(f"reviewer address {clean_header(reviewer.email)!r} is not usable")
    author = make_address(original.author, original.email)
    mine = {me.addr_spec.lower()}
    to = [author] if author is not None and author.addr_spec.lower() not in mine else []
    seen = mine | {a.addr_spec.lower() for a in to}
    cc = []
    for address in _addresses([*original.to, *original.cc]):
        if address.addr_spec.lower() not in seen:
            seen.add(address.addr_spec.lower())
            cc.append(address)
    msgid = _msgid(original.msgid)
    references = [r for r in (_msgid(x) for x in original.references) if r and r != msgid]
    msg = EmailMessage(policy=POLICY)
    set_addresses(msg, "From", [me])
    if to:
        set_addresses(msg, "To", to)
    if cc:
        set_addresses(msg, "Cc", cc)
    _set_folded(msg, "Subject", reply_subject(original.subject))
    msg["Date"] = email.utils.format_datetime(date or datetime.now().astimezone())
    msg["Message-ID"] = email.utils.make_msgid(domain=_domain(me.addr_spec))
    if msgid:
        msg["In-Reply-To"] = f"<{msgid}>"
        _set_folded(msg, "References",
                    " ".join(f"<{r}>" for r in dict.fromkeys([*references, msgid])))
    return msg


def _set_folded(msg: EmailMessage, name: str, value: str) -> None:
    """Set a cleaned header folded at spaces within 78 columns.

    The email library's folder moves a whole 70-77 character value to a continuation line
    ("Subject:\n Re: ..."), which readers see with a leading space. ASCII values are folded
    here instead; others are left to the library, which encodes them.
    """
    if not value.isascii() or any(len(word) > 900 for word in value.split(" ")):
        msg[name] = value
        return
    lines = [""]
    room = 78 - len(name) - 2
    for word in value.split(" "):
        if lines[-1] and len(lines[-1]) + 1 + len(word) > room:
            lines.append(word)
            room = 77  # continuation lines start with one space
        else:
            lines[-1] = f"{lines[-1]} {word}" if lines[-1] else word
    msg.set_raw(name, "\n ".join(lines))


def attribution(original: Message) -> str:
    """'On <date>, <author> wrote:'."""
    who = clean_header(original.author) or clean_header(original.email) or "you"
    if original.date is None:
        return f"Quoting {who}:"  # never a bare "Name: ..." line b4 could read as a trailer
    return f"On {email.utils.format_datetime(original.date)}, {who} wrote:"


def note_lines(note: str) -> list[str]:
    """The note as body lines: long lines wrapped, none that b4 would take for a trailer."""
    out: list[str] = []
    for raw in note.replace("\r\n", "\n").split("\n"):
        line = _CONTROL.sub(" ", raw.replace("\t", "    ")).rstrip()  # no '-- ' signature either
        indent = line[: len(line) - len(line.lstrip())]
        wrapped = [line] if len(line) <= WRAP else textwrap.wrap(
            line, WRAP, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)
        out.extend(_not_a_trailer(w) for w in wrapped)
    while out and not out[-1]:
        out.pop()
    while out and not out[0]:
        out.pop(0)
    return out


def _not_a_trailer(line: str) -> str:
    match = _TRAILER_LIKE.match(line)
    if match and (match.group(1).lower() in _B4_NONPERSON
                  or re.search(r"\S+@\S+\.\S+", match.group(2))):
        return f"- {line.strip()}"  # keep it a sentence, not a trailer b4 would apply
    return line


def _quote(text: str) -> str:
    text = _BODY_CONTROL.sub("?", text)
    return f"> {text}" if text.strip() else ">"


def _site_indexes(hunk: Hunk, site: CallSite) -> list[int]:
    found = [i for i, ln in enumerate(hunk.lines)
             if (ln.kind == "-" and ln.old_no in site.old_lines)
             or (ln.kind == "+" and ln.new_no in site.new_lines)]
    if found:
        return found
    wanted = {t.strip() for t in (site.removed, site.added) if t}
    return [i for i, ln in enumerate(hunk.lines) if ln.kind != " " and ln.text.strip() in wanted]


def _hunk_of(patch: Patch, site: CallSite) -> tuple[FilePatch, Hunk] | None:
    files = patch.diff.files
    if 0 <= site.file_index < len(files):
        fpatch = files[site.file_index]
        if 0 <= site.hunk_index < len(fpatch.hunks):
            return fpatch, fpatch.hunks[site.hunk_index]
    return None


# (file index, hunk index, first and last quoted line index, the text under the quote)
_Window = tuple[int, int, int, int, list[str]]


def _site_window(patch: Patch, item: SiteNote) -> _Window | None:
    located = _hunk_of(patch, item.site)
    indexes = _site_indexes(located[1], item.site) if located else []
    if not located or not indexes:
        return None
    hunk = located[1]
    start = max(0, min(indexes) - CONTEXT_BEFORE)
    end = min(len(hunk.lines) - 1, max(indexes) + CONTEXT_AFTER)
    return item.site.file_index, item.site.hunk_index, start, end, note_lines(item.note)


def _line_window(patch: Patch, item: LineNote) -> _Window | None:
    """The commented line as the last quoted line, so a reader (and b4) sees what it answers."""
    found = patch.diff.locate(item.file, item.side, item.line)
    if found is None:
        return None
    file_index, hunk_index, i = found
    return file_index, hunk_index, max(0, i - CONTEXT_BEFORE), i, note_lines(item.body)


def quote_notes(patch: Patch, notes: Sequence[SiteNote],
                comments: Sequence[LineNote] = ()) -> list[str]:
    """Quoted diff lines around each noted site and commented line, the text under them.

    '[...]' marks what was trimmed; a note or comment whose lines are not in the diff is
    written after the quotes with the place it is about.
    """
    windows: dict[tuple[int, int], list[tuple[int, int, list[str]]]] = {}
    unplaced: list[tuple[str, str]] = []
    for item in notes:
        window = _site_window(patch, item)
        if window is None:
            unplaced.append((" ".join(x for x in (item.site.file, item.site.function) if x),
                             item.note))
        else:
            windows.setdefault(window[:2], []).append(window[2:])
    for comment in comments:
        window = _line_window(patch, comment)
        if window is None:
            unplaced.append((f"{comment.file}:{comment.line}", comment.body))
        else:
            windows.setdefault(window[:2], []).append(window[2:])
    out: list[str] = []
    last_file = None
    for (file_index, hunk_index), spans in sorted(windows.items()):
        fpatch = patch.diff.files[file_index]
        hunk = fpatch.hunks[hunk_index]
        if file_index != last_file:
            if out:
                out.append("")
            out.append(_quote(f"--- a/{fpatch.old_path}" if fpatch.old_path else "--- /dev/null"))
            out.append(_quote(f"+++ b/{fpatch.new_path}" if fpatch.new_path else "+++ /dev/null"))
            last_file = file_index
        out.append(_quote(hunk.header))
        shown = -1
        for start, end, lines in _merge(spans):
            if start > shown + 1:
                out.append("> [...]")
            for i in range(max(start, shown + 1), end + 1):
                out.append(_quote(f"{hunk.lines[i].kind}{hunk.lines[i].text}"))
            shown = max(shown, end)
            out.extend(["", *lines, ""])
    for where, text in unplaced:
        out.extend([f"At {clean_header(where)}:" if where else "", *note_lines(text), ""])
    return out


def _merge(spans: list[tuple[int, int, list[str]]]) -> list[tuple[int, int, list[str]]]:
    """Windows sorted by where they end; a window starting inside the previous one goes on.

    Every text stays under the last line its window quotes (a comment on a line is read as
    answering the line right above it), and no diff line is quoted twice.
    """
    merged: list[tuple[int, int, list[str]]] = []
    for start, end, lines in sorted(spans, key=lambda s: (s[1], s[0])):
        if merged and end == merged[-1][1]:
            prev_start, prev_end, prev_lines = merged[-1]
            merged[-1] = (min(prev_start, start), prev_end, [*prev_lines, "", *lines])
        else:
            merged.append((start, end, lines))
    return merged


def quote_opening(text: str, max_lines: int = 5) -> list[str]:
    """The first paragraph of TEXT quoted (at most MAX_LINES lines), then '[...]'."""
    lines = text.replace("\r\n", "\n").strip("\n").split("\n")
    head: list[str] = []
    for line in lines:
        if not line.strip() or len(head) >= max_lines:
            break
        head.append(_quote(line))
    return [*head, "> [...]"] if head else ["> [...]"]


def _body(original: Message, quoted: list[str], closing: list[str]) -> str:
    lines: list[str] = []
    for line in [attribution(original), *quoted, "", *closing]:
        if line or (lines and lines[-1]):  # no runs of blank lines
            lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join([*lines, ""])


def _set_body(msg: EmailMessage, body: str) -> None:
    if any(len(line) > 998 for line in body.split("\n")):
        cte = "quoted-printable"
    else:
        cte = "7bit" if body.isascii() else "8bit"
    msg.set_content(body, charset="utf-8", cte=cte)


def trailer_line(trailer: str, reviewer: Identity) -> str:
    """'Reviewed-by: Name <addr>' (or Acked-by / Tested-by)."""
    if trailer not in TRAILERS:
        raise UsageError(f"unknown trailer {trailer!r}; valid: {', '.join(TRAILERS)}")
    return f"{trailer}: {clean_header(reviewer.name)} <{clean_header(reviewer.email)}>"


def patch_reply(
    patch: Patch, reviewer: Identity, trailer: str | None = "Reviewed-by",
    notes: Sequence[SiteNote] = (), date: datetime | None = None,
    comments: Sequence[LineNote] = (),
) -> Reply:
    """The reply to one patch: its noted sites and commented lines quoted, then the trailer.

    Without a trailer (TRAILER None) the reply asks for changes: it carries the notes and
    comments and nothing else, so it needs at least one of them.
    """
    closing = [trailer_line(trailer, reviewer)] if trailer else []
    noted = [n for n in notes if n.note.strip()]
    commented = [c for c in comments if c.body.strip()]
    if not closing and not noted and not commented:
        raise UsageError(f"nothing to say on {patch.label}: a reply asking for changes needs "
                         "a site note or a line comment")
    msg = reply_headers(patch.message, reviewer, date)
    if noted or commented:
        quoted = quote_notes(patch, noted, commented)
    else:
        quoted = quote_opening(patch.commit_message)
    _set_body(msg, _body(patch.message, quoted, closing))
    return Reply(patch.number, clean_header(patch.message.subject), msg)


def cover_reply(
    revision: Revision, reviewer: Identity, trailer: str = "Reviewed-by",
    notes: Sequence[SiteNote] = (), date: datetime | None = None,
    comments: Sequence[LineNote] = (),
) -> Reply:
    """One reply to the cover letter whose trailer b4 applies to every patch of the series."""
    if revision.cover is None:
        raise UsageError(f"v{revision.number} has no cover letter to reply to")
    line = trailer_line(trailer, reviewer)
    msg = reply_headers(revision.cover, reviewer, date)
    quoted = quote_opening(revision.cover.body)
    for patch in revision.patches:
        mine = [n for n in notes if n.site.patch == patch.number and n.note.strip()]
        lines = [c for c in comments if c.patch == patch.number and c.body.strip()]
        if mine or lines:
            quoted.extend(["", f"In {patch.label} {clean_header(patch.subject)}:", ""])
            quoted.extend(quote_notes(patch, mine, lines))
    quoted.extend(["", "For the series:"])
    _set_body(msg, _body(revision.cover, quoted, [line]))
    return Reply(0, clean_header(revision.cover.subject), msg)


def _check_numbers(revision: Revision, chosen: Iterable[int]) -> None:
    numbers = [p.number for p in revision.patches]
    unknown = sorted(n for n in set(chosen) if n not in numbers)
    if unknown:
        raise UsageError(f"v{revision.number} has no patch {', '.join(map(str, unknown))} "
                         f"(it has {', '.join(map(str, numbers))})")


def build_replies(
    revision: Revision, patches: Sequence[int], reviewer: Identity, *,
    trailer: str | None = "Reviewed-by", notes: Sequence[SiteNote] = (), cover: bool = False,
    date: datetime | None = None, comments: Sequence[LineNote] = (),
) -> list[Reply]:
    """Replies for the chosen PATCHES, or one cover-letter reply when COVER and all are chosen.

    TRAILER None writes replies that ask for changes (notes and comments, no trailer).
    """
    chosen = sorted(set(patches))
    _check_numbers(revision, chosen)
    if cover:
        if chosen != [p.number for p in revision.patches]:
            raise UsageError("a cover-letter reply covers the whole series: choose every patch")
        if trailer is None:
            raise UsageError("a cover-letter reply gives a trailer for the series")
        return [cover_reply(revision, reviewer, trailer, notes, date, comments)]
    return [patch_reply(revision.patch(n), reviewer, trailer,
                        [x for x in notes if x.site.patch == n], date,
                        [c for c in comments if c.patch == n])
            for n in chosen]


def queued_replies(
    revision: Revision, kinds: Mapping[int, str], reviewer: Identity, *,
    notes: Sequence[SiteNote] = (), comments: Sequence[LineNote] = (),
    date: datetime | None = None,
) -> list[Reply]:
    """The replies the reviewer queued: KINDS maps a patch number to REVIEWED_BY or
    CHANGES_REQUESTED (what PatchState.reply says); nothing else is written."""
    _check_numbers(revision, kinds)
    replies = []
    for number in sorted(kinds):
        kind = kinds[number]
        if kind not in (REVIEWED_BY, CHANGES_REQUESTED):
            raise ValueError(f"unknown reply kind {kind!r}")
        replies.append(patch_reply(
            revision.patch(number), reviewer, "Reviewed-by" if kind == REVIEWED_BY else None,
            [x for x in notes if x.site.patch == number], date,
            [c for c in comments if c.patch == number]))
    return replies


def write_eml_dir(replies: Sequence[Reply], directory: str | Path) -> list[Path]:
    """Write each reply to DIRECTORY/<Reply.filename>, atomically; returns the paths."""
    directory = Path(directory)
    paths = []
    for reply in replies:
        path = directory / reply.filename
        _write(path, reply.as_bytes())
        paths.append(path)
    return paths


def write_mbox(replies: Sequence[Reply], path: str | Path) -> Path:
    """Write all replies to one mboxrd file, atomically."""
    path = Path(path)
    _write(path, raw_to_mbox([reply.as_bytes() for reply in replies]))
    return path


def _write(path: Path, data: bytes) -> None:
    try:
        write_atomic(path, data)
    except OSError as exc:
        raise ReviewtuiError(f"cannot write {path}: {exc.strerror or exc}") from exc
