from shared.crud import EntitySpec

from .models import Price

PRICES = EntitySpec(table=Price, key=("family_code", "segment_code", "period"), label="price")
