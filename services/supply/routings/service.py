from services.supply.resources.models import Resource
from shared.crud import EntitySpec, Reference

from .models import Routing

# Family codes belong to the demand service: the gateway's data gathering checks them.
ROUTINGS = EntitySpec(
    table=Routing,
    key=("family_code", "resource_code"),
    label="routing",
    references=(Reference("resource_code", Resource),),
)
