"""Mail dates shown in one zone (the reviewer's, or UTC): senders write their own offsets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo


@dataclass(frozen=True)
class Clock:
    """Converts and formats dates in ZONE (None: the machine's local zone)."""

    zone: tzinfo | None = None

    def local(self, date: datetime) -> datetime:
        """DATE in the display zone (a date without a zone is taken as UTC, as -0000 says)."""
        if date.tzinfo is None:
            date = date.replace(tzinfo=UTC)
        return date.astimezone(self.zone)

    def name(self) -> str:
        """'UTC', 'Europe/Berlin' or the local zone's abbreviation."""
        if self.zone is None:
            return datetime.now().astimezone().tzname() or "local time"
        return str(getattr(self.zone, "key", None) or self.zone.tzname(None) or self.zone)

    def short(self, date: datetime | None) -> str:
        """'2023-08-02 12:30' (16 columns; '(no date)' padded the same)."""
        return self.local(date).strftime("%Y-%m-%d %H:%M") if date else f"{'(no date)':<16}"

    def long(self, date: datetime | None) -> str:
        """'Wed, 02 Aug 2023 12:30 UTC' (the zone's abbreviation, else its offset)."""
        if date is None:
            return "(no date)"
        when = self.local(date)
        zone = when.tzname() or when.strftime("%z")
        return when.strftime("%a, %d %b %Y %H:%M ") + zone

    def full(self, date: datetime | None) -> str:
        """The message view's Date line: seconds and the zone, then the sender's own time
        when it differs ('Wed, 02 Aug 2023 12:30:53 UTC (sender: 13:30 +0100)')."""
        if date is None:
            return "(none)"
        when = self.local(date)
        text = when.strftime("%a, %d %b %Y %H:%M:%S ") + (when.tzname() or when.strftime("%z"))
        if date.tzinfo is not None and date.utcoffset() != when.utcoffset():
            text += f" (sender: {date.strftime('%H:%M %z')})"
        return text


UTC_CLOCK = Clock(UTC)
