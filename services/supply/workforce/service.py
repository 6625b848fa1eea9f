from services.supply.resources.models import Resource
from shared.crud import EntitySpec, Reference

from .models import Workforce

WORKFORCE = EntitySpec(
    table=Workforce,
    key=("resource_code", "period"),
    label="workforce",
    references=(Reference("resource_code", Resource),),
)
