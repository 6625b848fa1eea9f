from shared.crud import EntitySpec

from .models import Family

FAMILIES = EntitySpec(table=Family, key=("code",), label="family")
