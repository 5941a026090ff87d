"""Exceptions that the command line turns into one clear line and an exit code."""


class ReviewtuiError(Exception):
    """Base of every error reviewtui reports to the user."""

    exit_code = 1


class UsageError(ReviewtuiError):
    """The command was called wrongly (bad argument, unknown name)."""

    exit_code = 2


class FetchError(ReviewtuiError):
    """A thread could not be retrieved from the public-inbox server."""

    exit_code = 3


class NotCachedError(ReviewtuiError):
    """The thread is not in the cache and fetching was not asked for."""

    exit_code = 4


class MboxError(ReviewtuiError):
    """An mbox could not be read or holds no usable message."""

    exit_code = 5


class CacheError(ReviewtuiError):
    """The cache directory or its index is unusable."""

    exit_code = 6


class StateError(ReviewtuiError):
    """The review-state database is unusable (corrupt, locked, newer schema)."""

    exit_code = 7


class CatalogueError(ReviewtuiError):
    """The API catalogue file is broken."""

    exit_code = 8
