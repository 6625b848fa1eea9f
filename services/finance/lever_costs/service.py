from shared.crud import EntitySpec

from .models import LeverCost

LEVER_COSTS = EntitySpec(table=LeverCost, key=("lever", "code"), label="lever cost")
