"""The S&OP cycle: five gated steps, decision rights, executive decisions, action items,
and the one approved plan.

Importing the package registers the guard that keeps approved consensus plans immutable
(``gateway.cycle.immutability``), whichever module of the gateway writes.
"""

from gateway.cycle import immutability  # noqa: F401  (registers the guard on import)
