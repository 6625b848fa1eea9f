from shared.crud import EntitySpec

from .models import Resource

RESOURCES = EntitySpec(table=Resource, key=("code",), label="resource")
