"""A linear program as arrays, and the small allocator the model builder fills it with.

Variables and constraints are added in blocks (one array of ids per block, -1 where an
entry does not exist); coefficients are added as broadcast arrays. ``LinearProgram`` holds
the result in row-major coordinate form, sorted and summed, ready for any solver.
"""

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

# Array aliases name the intended dtype; numpy's own dtype typing is too strict to be useful.
Floats = NDArray[Any]
Ints = NDArray[Any]
Bools = NDArray[Any]


@dataclass
class LinearProgram:
    """maximise c.x + offset  s.t.  row_lower <= A x <= row_upper, lower <= x <= upper."""

    objective: Floats
    offset: float
    lower: Floats
    upper: Floats
    integer: Bools
    row_lower: Floats
    row_upper: Floats
    rows: Ints  # A in coordinate form, sorted by (row, column), no duplicates, no zeros
    columns: Ints
    values: Floats

    @property
    def variables_count(self) -> int:
        return len(self.objective)

    @property
    def constraints_count(self) -> int:
        return len(self.row_lower)

    @property
    def is_mip(self) -> bool:
        return bool(self.integer.any())

    def row_starts(self) -> Ints:
        """CSR row pointers of A (length rows + 1)."""
        counts = np.bincount(self.rows, minlength=self.constraints_count)
        return np.concatenate(([0], np.cumsum(counts))).astype(np.int64)


def _ids(count: int, mask: Bools, start: int) -> Ints:
    ids = np.full(mask.shape, -1, dtype=np.int64)
    ids[mask] = np.arange(start, start + count, dtype=np.int64)
    return ids


@dataclass
class Builder:
    """Collects variable blocks, constraint blocks and coefficients; ``finish`` assembles."""

    _lower: list[Floats] = field(default_factory=list)
    _upper: list[Floats] = field(default_factory=list)
    _cost: list[Floats] = field(default_factory=list)
    _integer: list[Bools] = field(default_factory=list)
    _row_lower: list[Floats] = field(default_factory=list)
    _row_upper: list[Floats] = field(default_factory=list)
    _entries: list[tuple[Ints, Ints, Floats]] = field(default_factory=list)
    variables: int = 0
    constraints: int = 0
    offset: float = 0.0

    def add_variables(
        self,
        shape: tuple[int, ...],
        *,
        mask: ArrayLike = True,
        lower: ArrayLike = 0.0,
        upper: ArrayLike = np.inf,
        cost: ArrayLike = 0.0,
        integer: bool = False,
    ) -> Ints:
        """A block of variables; returns their ids in ``shape`` (-1 where ``mask`` is false)."""
        full = np.broadcast_to(np.asarray(mask, dtype=bool), shape)
        count = int(full.sum())
        ids = _ids(count, full, self.variables)
        self.variables += count
        self._lower.append(np.broadcast_to(np.asarray(lower, dtype=float), shape)[full])
        self._upper.append(np.broadcast_to(np.asarray(upper, dtype=float), shape)[full])
        self._cost.append(np.broadcast_to(np.asarray(cost, dtype=float), shape)[full])
        self._integer.append(np.full(count, integer, dtype=bool))
        return ids

    def add_constraints(
        self,
        shape: tuple[int, ...],
        *,
        mask: ArrayLike = True,
        lower: ArrayLike = -np.inf,
        upper: ArrayLike = np.inf,
    ) -> Ints:
        """A block of constraints; returns their ids in ``shape`` (-1 where masked out)."""
        full = np.broadcast_to(np.asarray(mask, dtype=bool), shape)
        count = int(full.sum())
        ids = _ids(count, full, self.constraints)
        self.constraints += count
        self._row_lower.append(np.broadcast_to(np.asarray(lower, dtype=float), shape)[full])
        self._row_upper.append(np.broadcast_to(np.asarray(upper, dtype=float), shape)[full])
        return ids

    def add_terms(self, rows: ArrayLike, columns: ArrayLike, values: ArrayLike = 1.0) -> None:
        """Coefficients A[rows, columns] += values (broadcast); entries with an id of -1
        on either side are dropped, so masked blocks need no special casing."""
        r, c, v = np.broadcast_arrays(
            np.asarray(rows, dtype=np.int64),
            np.asarray(columns, dtype=np.int64),
            np.asarray(values, dtype=float),
        )
        keep = (r >= 0) & (c >= 0) & (v != 0)
        self._entries.append((r[keep], c[keep], v[keep]))

    def finish(self) -> LinearProgram:
        def cat(parts: list[NDArray[Any]], dtype: type) -> NDArray[Any]:
            return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)

        rows = cat([e[0] for e in self._entries], np.int64)
        columns = cat([e[1] for e in self._entries], np.int64)
        values = cat([e[2] for e in self._entries], np.float64)
        key = rows * max(self.variables, 1) + columns
        order = np.argsort(key, kind="stable")
        key, values = key[order], values[order]
        first = np.ones(len(key), dtype=bool)
        first[1:] = key[1:] != key[:-1]
        if not first.all():  # the same (row, column) given twice: sum the coefficients
            values = np.add.reduceat(values, np.flatnonzero(first))
            key = key[first]
        nonzero = values != 0
        key, values = key[nonzero], values[nonzero]
        width = max(self.variables, 1)
        return LinearProgram(
            objective=cat(self._cost, np.float64),
            offset=self.offset,
            lower=cat(self._lower, np.float64),
            upper=cat(self._upper, np.float64),
            integer=cat(self._integer, np.bool_),
            row_lower=cat(self._row_lower, np.float64),
            row_upper=cat(self._row_upper, np.float64),
            rows=(key // width).astype(np.int64),
            columns=(key % width).astype(np.int64),
            values=values.astype(np.float64),
        )
