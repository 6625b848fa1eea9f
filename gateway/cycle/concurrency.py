"""Optimistic concurrency of the cycle: the cycle's (and an action item's) ``version`` is its
ETag, every write names it in If-Match and claims it (``shared.concurrency``, where the
mechanism and its guarantees are described)."""

from shared.concurrency import (
    IF_MATCH_FIELD,
    check_version,
    claim,
    etag,
    if_match,
    parse_if_match,
    require_version,
)

__all__ = [
    "IF_MATCH_FIELD",
    "check_version",
    "claim",
    "etag",
    "if_match",
    "parse_if_match",
    "require_version",
]
