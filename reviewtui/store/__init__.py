"""Review state in one SQLite file: call-site tags, patch states, settings."""

from reviewtui.store.records import PATCH_STATES, PatchState, SiteTag, TagRecord
from reviewtui.store.review_store import ReviewStore, patch_key
from reviewtui.store.schema import MIGRATIONS, SCHEMA_VERSION

__all__ = [
    "MIGRATIONS",
    "PATCH_STATES",
    "SCHEMA_VERSION",
    "PatchState",
    "ReviewStore",
    "SiteTag",
    "TagRecord",
    "patch_key",
]
