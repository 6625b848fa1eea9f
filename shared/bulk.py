"""The rules of a bulk load, as pure functions: what a batch creates, changes or leaves, and
how a partial row merges into the stored one. ``shared.crud`` reads and writes around them.
"""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Key = tuple[Any, ...]


@dataclass(frozen=True)
class Change:
    """A stored row (``id``) whose fields differ from the item's: the full new ``row``, and
    ``before``/``after`` holding only the fields that change (what the audit records)."""

    id: Any
    key: Mapping[str, Any]
    row: dict[str, Any]
    before: dict[str, Any]
    after: dict[str, Any]


@dataclass
class UpsertPlan:
    created: list[dict[str, Any]] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    unchanged: int = 0


def upsert_plan(
    *,
    key_names: Sequence[str],
    keys: Sequence[Key],
    rows: Sequence[dict[str, Any]],
    stored: Mapping[Key, Mapping[str, Any]],
) -> UpsertPlan:
    """The idempotent upsert rule: an item whose key is not stored is created; one whose
    fields all equal the stored row's is unchanged (loading a batch twice writes nothing);
    any other replaces the stored row's fields with its own. Fields the item does not carry
    are never touched."""
    plan = UpsertPlan()
    for key, row in zip(keys, rows, strict=True):
        current = stored.get(key)
        if current is None:
            plan.created.append(row)
            continue
        differs = [name for name, value in row.items() if current[name] != value]
        if not differs:
            plan.unchanged += 1
            continue
        plan.changed.append(
            Change(
                id=current["id"],
                key=dict(zip(key_names, key, strict=True)),
                row=row,
                before={name: current[name] for name in differs},
                after={name: row[name] for name in differs},
            )
        )
    return plan


def merged(
    given: Mapping[str, Any], stored: Mapping[str, Any] | None, fields: Sequence[str]
) -> dict[str, Any]:
    """The merge rule of a bulk PATCH: a field the partial row gives wins, a field it leaves
    out keeps its stored value; a new row (nothing stored) is the partial row alone, so its
    required fields must be in it."""
    if stored is None:
        return dict(given)
    return {
        name: given[name] if name in given else stored[name]
        for name in fields
        if name in given or name in stored
    }


def resets(
    row: Mapping[str, Any], given: Collection[str], stored: Mapping[str, Any] | None
) -> list[str]:
    """The rule of a bulk PUT: an item replaces the stored row of its key, so a field it
    leaves out would silently reset the stored value to the field's default (a loader's
    partial row destroying data). Those fields are named, to be refused; a field left out
    whose default equals the stored value changes nothing (a reload stays unchanged), and a
    new row (nothing stored) takes the defaults."""
    if stored is None:
        return []
    return [name for name, value in row.items() if name not in given and stored[name] != value]
