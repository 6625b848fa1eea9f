from shared.crud import EntitySpec

from .models import Location

LOCATIONS = EntitySpec(table=Location, key=("code",), label="location")
