from services.supply.resources.models import Resource
from shared.crud import EntitySpec, Reference

from .models import ExpansionStep

EXPANSION_STEPS = EntitySpec(
    table=ExpansionStep,
    key=("code",),
    label="expansion step",
    references=(Reference("resource_code", Resource),),
)
