"""Split mbox bytes into parsed messages for b4: liblore's splitting, lean on time and memory.

liblore's `split_mbox` cuts the whole file into lines and parses every chunk; on a 200 MB file
of random lines that costs gigabytes. Here the `From ` separator lines are found with one
regular expression over the bytes, a chunk whose header has no Message-ID is skipped without
being copied or parsed (b4 cannot use it), and only chunks that need mboxrd un-escaping go
through liblore's line splitter; the others are sliced as they are (same bytes).

Messages are parsed with b4's email policy, except that each distinct header value is parsed
once per load: a thread repeats the same From, To, Cc and Content-Type values thousands of
times, and b4 reads Content-Type several times per message.
"""

from __future__ import annotations

import email.parser
import re
from collections.abc import Iterator
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage
from email.policy import EmailPolicy

# liblore's separator test (git's is_from_line), applied to every line at once.
_FROM_LINE = re.compile(rb"^From \S+.*\d\d:\d\d:\d\d.*\d{4}", re.MULTILINE)
_MIN_FROM_LINE = 19  # liblore: len(line + b"\n") >= 20
_HEADER_END = re.compile(rb"\n\r?\n")
_MSGID_HEADER = re.compile(rb"^message-id[ \t]*:", re.IGNORECASE | re.MULTILINE)
_GT_FROM = re.compile(rb"^>+From ", re.MULTILINE)
_MSGID = re.compile(r"<([^>]+)>")

# Headers whose values repeat across a thread and that b4 reads (Content-Type several times
# per message). Parsed headers keep their parse tree, so values seen once are not kept.
MEMO_HEADERS = frozenset({"content-type", "content-transfer-encoding", "content-disposition",
                          "mime-version", "from"})
MEMO_MAX_VALUE = 4096  # longer values are parsed each time
MEMO_MAX_ENTRIES = 10_000


class MemoHeaderRegistry(HeaderRegistry):
    """A HeaderRegistry that builds each header class once and parses repeated values once.

    Header objects are immutable strings, so one parsed value can serve every message that
    carries it. `clear()` drops the memo once a load is done.
    """

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type] = {}
        self._memo: dict[tuple[str, str], object] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        cls = self._classes.get(key)
        if cls is None:
            cls = self._classes[key] = super().__getitem__(key)
        return cls

    def __call__(self, name: str, value: str):
        lname = name.lower()
        if lname not in MEMO_HEADERS or len(value) > MEMO_MAX_VALUE:
            return self[name](name, value)
        key = (lname, value)
        header = self._memo.get(key)
        if header is None:
            header = self[name](name, value)
            if len(self._memo) < MEMO_MAX_ENTRIES:
                self._memo[key] = header
        return header

    def clear(self) -> None:
        """Forget the parsed values (the header classes stay)."""
        self._memo.clear()


def load_policy() -> tuple[EmailPolicy, MemoHeaderRegistry]:
    """b4's email policy with a memoising header registry, and that registry."""
    from liblore import emlpolicy

    registry = MemoHeaderRegistry()
    return emlpolicy.clone(header_factory=registry), registry


def _separators(data: bytes) -> list[int]:
    """Offsets of the mbox `From ` separator lines, as liblore recognises them."""
    starts = []
    for match in _FROM_LINE.finditer(data):
        start = match.start()
        end = data.find(b"\n", start)
        if (end if end >= 0 else len(data)) - start >= _MIN_FROM_LINE:
            starts.append(start)
    return starts


def _chunks(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(start, header start, end) of every message chunk; the first may lack a separator."""
    seps = _separators(data)
    if not seps or seps[0] > 0:
        yield 0, 0, seps[0] if seps else len(data)
    for i, start in enumerate(seps):
        end = seps[i + 1] if i + 1 < len(seps) else len(data)
        line_end = data.find(b"\n", start, end)
        yield start, (line_end + 1 if line_end >= 0 else end), end


def raw_messages(data: bytes) -> Iterator[bytes]:
    """The raw bytes of every message that has a Message-ID header, as liblore splits them.

    Equal to the members of `liblore.utils.split_mbox_as_bytes(data)` that have such a header.
    """
    from liblore.utils import split_mbox_as_bytes

    size = len(data)
    for start, head, end in _chunks(data):
        found = _HEADER_END.search(data, head, end)
        header_end = found.start() + 1 if found else end
        if not _MSGID_HEADER.search(data, head, header_end):
            continue
        last = end == size
        if _GT_FROM.search(data, head, end):
            # mboxrd escaping: let liblore undo it line by line (same bytes as its split).
            chunk = data[start:end] if last else data[start:end - 1]
            yield from split_mbox_as_bytes(chunk)
        elif last:
            yield data[head:end] + b"\n"
        else:
            yield data[head:end]


def message_id(msg: EmailMessage) -> str | None:
    """The Message-ID without brackets, read from the raw header as liblore does; None if absent.

    Unlike liblore's `get_clean_msgid`, a value without `<...>` is not handed to the policy's
    parser (which raises on `<>`).
    """
    raw = next((v for n, v in msg.raw_items() if n.lower() == "message-id"), None)
    match = _MSGID.search(str(raw)) if raw else None
    return match.group(1) if match else None


def _policy_reads_message_id(msg: EmailMessage) -> bool:
    """Whether the policy's parser reads the Message-ID: b4 reads it too, and `<@>` or `<>`
    make the parser raise."""
    try:
        return bool(msg.get("Message-ID"))
    except (IndexError, ValueError, TypeError):
        return False


def parse_messages(data: bytes, policy: EmailPolicy) -> tuple[list[EmailMessage], int]:
    """Parsed messages of DATA that have a usable Message-ID, and how many others were skipped."""
    parser = email.parser.BytesParser(policy=policy)
    msgs: list[EmailMessage] = []
    skipped = 0
    for raw in raw_messages(data):
        msg = parser.parsebytes(raw)
        if message_id(msg) and _policy_reads_message_id(msg):
            msgs.append(msg)
        else:
            skipped += 1
    return msgs, skipped
