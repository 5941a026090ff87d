"""Review state in one SQLite file: call-site tags, patch states, settings."""

from reviewtui.store.records import (
    CHANGES_REQUESTED,
    PATCH_STATES,
    REVIEWED_BY,
    LineComment,
    PatchState,
    SiteTag,
    TagRecord,
)
from reviewtui.store.review_store import ReviewStore, patch_key
from reviewtui.store.schema import MIGRATIONS, SCHEMA_VERSION

__all__ = [
    "CHANGES_REQUESTED",
    "MIGRATIONS",
    "PATCH_STATES",
    "REVIEWED_BY",
    "SCHEMA_VERSION",
    "LineComment",
    "PatchState",
    "ReviewStore",
    "SiteTag",
    "TagRecord",
    "patch_key",
]
