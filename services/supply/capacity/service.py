from services.supply.resources.models import Resource
from shared.crud import EntitySpec, Reference

from .models import Capacity

CAPACITY = EntitySpec(
    table=Capacity,
    key=("resource_code", "period"),
    label="capacity",
    references=(Reference("resource_code", Resource),),
)
