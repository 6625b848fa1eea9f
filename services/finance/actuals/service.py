from shared.crud import EntitySpec

from .models import CostActual, RevenueActual

# Family and segment codes belong to the demand service: the gateway's KPIs match them.
REVENUE_ACTUALS = EntitySpec(
    table=RevenueActual, key=("family_code", "segment_code", "period"), label="revenue actual"
)
COST_ACTUALS = EntitySpec(table=CostActual, key=("family_code", "period"), label="cost actual")
