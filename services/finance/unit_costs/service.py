from shared.crud import EntitySpec

from .models import UnitCost

UNIT_COSTS = EntitySpec(table=UnitCost, key=("family_code", "effective_from"), label="unit cost")
