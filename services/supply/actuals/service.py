from services.supply.resources.models import Resource
from shared.crud import EntitySpec, Reference

from .models import ProductionActual, ResourceActual

# Family codes belong to the demand service: the gateway's execution KPIs match them.
PRODUCTION_ACTUALS = EntitySpec(
    table=ProductionActual, key=("family_code", "period"), label="production actual"
)
RESOURCE_ACTUALS = EntitySpec(
    table=ResourceActual,
    key=("resource_code", "period"),
    label="resource actual",
    references=(Reference("resource_code", Resource),),
)
