from collections.abc import Iterable

from sqlmodel import Session, col, select

from shared.crud import EntitySpec, in_chunks

from .models import FamilyGroup

FAMILY_GROUPS = EntitySpec(table=FamilyGroup, key=("family_code",), label="family group")


def groups_of(session: Session, *, family_codes: Iterable[str]) -> dict[str, str]:
    """The family group of each of the families that belongs to one."""
    found: dict[str, str] = {}
    for chunk in in_chunks(family_codes):
        query = select(FamilyGroup.family_code, FamilyGroup.family_group).where(
            col(FamilyGroup.family_code).in_(chunk)
        )
        found.update(dict(session.exec(query).all()))
    return found
