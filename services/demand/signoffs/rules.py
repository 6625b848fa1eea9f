"""The demand sign-off rule: who must agree to the consensus demand plan before it is locked.

The consensus demand plan is owned by the functions that commit to it (per the RACI, sales,
marketing and product management by default: ``DemandSettings.signoff_roles``). The demand
planner may lock a draft once every owning role has signed off its CURRENT revision: a
sign-off given on an earlier revision no longer counts, because the plan changed after it.
The process owner may instead override the missing sign-offs of a revision with a recorded
reason; an override counts for the revision it was given on, like a sign-off.
"""

from collections.abc import Iterable, Sequence

from shared.auth import Role


def missing_sign_offs(
    *, required: Sequence[Role], signed: Iterable[tuple[Role, int]], revision: int
) -> list[Role]:
    """The ``required`` roles (in their order) without a sign-off of ``revision`` among
    ``signed`` (role, revision signed); none when the process owner overrode ``revision``."""
    current = {role for role, signed_revision in signed if signed_revision == revision}
    if Role.process_owner in current:
        return []
    return [role for role in required if role not in current]
