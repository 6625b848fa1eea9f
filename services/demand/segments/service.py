from shared.crud import EntitySpec

from .models import Segment

SEGMENTS = EntitySpec(table=Segment, key=("code",), label="segment")
