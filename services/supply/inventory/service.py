"""Inventory policies and the safety stock they imply.

Safety stock of a family is set one of three ways (``SafetyStockMethod``):

* ``direct``: the policy's ``safety_stock`` units, every month.
* ``periods_of_cover``: the forecast demand of the ``cover_periods`` months after each month
  (a fractional last month counts pro rata); beyond the forecast's last month, demand is
  assumed to stay at that month's level.
* ``service_level``: from the demand uncertainty over the replenishment lead time,

      sigma_L = sigma * sqrt(L)

  where ``sigma`` is the standard deviation of one month's forecast error (given directly, or
  as a mean absolute deviation: sigma = sqrt(pi / 2) * MAD ~= 1.25 * MAD) and ``L`` the lead
  time in months. Then, for a target

  - cycle service level CSL (chance of no stock-out in a replenishment cycle):
        SS = z * sigma_L,  z = Phi^-1(CSL)
  - fill rate (share of demand served from stock), with ``Q`` units per replenishment: the
    expected shortage per cycle sigma_L * G(k) must equal (1 - fill) * Q, so
        G(k) = (1 - fill) * Q / sigma_L,   SS = k * sigma_L
    where G(k) = phi(k) - k * (1 - Phi(k)) is the standard normal loss function, solved for
    k numerically (G is strictly decreasing).

  Assumptions: forecast errors are normal, unbiased and independent from month to month with
  a constant standard deviation; the lead time is constant (no supply variability); unmet
  demand is backordered; ``Q`` defaults to the mean monthly demand (one replenishment per
  month, as in a monthly aggregate plan). A negative factor (CSL below 50%, or a fill rate
  met without any buffer) gives no safety stock, never a negative one.
"""

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from statistics import NormalDist

from sqlmodel import Session

from shared.contracts.supply import (
    DemandLineIn,
    ErrorMeasure,
    InventoryPolicyBase,
    PeriodQuantity,
    SafetyStockAnswer,
    SafetyStockMethod,
    SafetyStockOverride,
    SafetyStockResult,
    ServiceMeasure,
)
from shared.crud import EntitySpec, rows_where_in
from shared.errors import FieldError, ValidationFailed
from shared.periods import add_months, months_between

from .models import InventoryPolicy

INVENTORY_POLICIES = EntitySpec(
    table=InventoryPolicy, key=("family_code",), label="inventory policy"
)

STANDARD_NORMAL = NormalDist()
# sigma = sqrt(pi/2) * MAD for normally distributed errors.
MAD_TO_SIGMA = math.sqrt(math.pi / 2)
# Beyond this loss target the fill rate is met with k < -10, where G(k) = -k to 1e-20.
LINEAR_LOSS_FROM = 10.0
# Ten years of months: far beyond any planning horizon, small enough to compute at once.
MAX_SPAN_MONTHS = 120


def sigma_from_error(*, error: float, measure: ErrorMeasure) -> float:
    """The standard deviation of one month's forecast error."""
    return error * MAD_TO_SIGMA if measure == ErrorMeasure.mad else error


def unit_normal_loss(k: float) -> float:
    """G(k) = E[max(Z - k, 0)] for a standard normal Z: expected units short per sigma."""
    return STANDARD_NORMAL.pdf(k) - k * (1.0 - STANDARD_NORMAL.cdf(k))


def inverse_unit_normal_loss(target: float) -> float:
    """The k with G(k) = target (> 0), by bisection: G falls strictly from +inf to 0."""
    if target <= 0:
        raise ValueError("the loss target must be positive")
    if target > LINEAR_LOSS_FROM:
        # Far left G(k) = -k + phi(k) + k * Phi(k), the last two terms below 1e-20.
        return -target
    # G(k) > -k, so G(low) > target at low = -target - 1; G(high) < target once high is
    # large enough, found by doubling.
    low, high = -target - 1.0, 1.0
    while unit_normal_loss(high) >= target:
        high *= 2.0
    for _ in range(200):
        middle = (low + high) / 2.0
        if unit_normal_loss(middle) > target:
            low = middle
        else:
            high = middle
        if high - low < 1e-12:
            break
    return (low + high) / 2.0


def cycle_service_safety_stock(
    *, cycle_service_level: float, lead_time_sigma: float
) -> tuple[float, float]:
    """(SS, z) for a cycle service level: SS = z * sigma_L, never below zero."""
    z = STANDARD_NORMAL.inv_cdf(cycle_service_level)
    return max(z * lead_time_sigma, 0.0), z


def fill_rate_safety_stock(
    *, fill_rate: float, order_quantity: float, lead_time_sigma: float
) -> tuple[float, float | None]:
    """(SS, k) for a fill rate: G(k) = (1 - fill) * Q / sigma_L, SS = k * sigma_L >= 0.

    Without uncertainty (sigma_L = 0) or without demand (Q = 0) no buffer is needed.
    """
    if lead_time_sigma <= 0 or order_quantity <= 0:
        return 0.0, None
    target = (1.0 - fill_rate) * order_quantity / lead_time_sigma
    if not math.isfinite(target):  # next to no uncertainty: no buffer
        return 0.0, None
    k = inverse_unit_normal_loss(target)
    return max(k * lead_time_sigma, 0.0), k


def cover_safety_stock(*, forecast: Sequence[float], cover_periods: float) -> list[float]:
    """For each month, the forecast demand of the ``cover_periods`` months that follow it."""
    if not forecast:
        return []
    whole = math.floor(cover_periods)
    fraction = cover_periods - whole
    last = forecast[-1]

    def demand(index: int) -> float:
        return forecast[index] if index < len(forecast) else last

    return [
        sum(demand(t + i) for i in range(1, whole + 1)) + fraction * demand(t + whole + 1)
        for t in range(len(forecast))
    ]


def family_safety_stock(
    *,
    policy: InventoryPolicyBase,
    periods: Sequence[str],
    forecast: Sequence[float],
    override: SafetyStockOverride | None = None,
) -> SafetyStockResult:
    """Safety stock of one family in each of ``periods`` (``forecast`` aligned with them)."""
    method = policy.safety_stock_method
    result = SafetyStockResult(family_code=policy.family_code, method=method, by_period=[])
    values: list[float]
    if method == SafetyStockMethod.direct:
        values = [policy.safety_stock] * len(periods)
    elif method == SafetyStockMethod.periods_of_cover:
        assert policy.cover_periods is not None
        values = cover_safety_stock(forecast=forecast, cover_periods=policy.cover_periods)
    else:
        value, result = _service_level(policy=policy, forecast=forecast, override=override)
        values = [value] * len(periods)
    result.by_period = [
        PeriodQuantity(period=period, quantity=round(value, 6))
        for period, value in zip(periods, values, strict=True)
    ]
    return result


def _service_level(
    *,
    policy: InventoryPolicyBase,
    forecast: Sequence[float],
    override: SafetyStockOverride | None,
) -> tuple[float, SafetyStockResult]:
    """The one safety stock of the service-level method, with the figures behind it."""
    target = policy.service_target
    error = policy.forecast_error
    if override is not None:
        target = override.service_target if override.service_target is not None else target
        error = override.forecast_error if override.forecast_error is not None else error
    # The policy's validation guarantees these for the service-level method.
    assert target is not None and error is not None and policy.lead_time_periods is not None
    sigma = sigma_from_error(error=error, measure=policy.forecast_error_measure)
    lead_time_sigma = sigma * math.sqrt(policy.lead_time_periods)
    result = SafetyStockResult(
        family_code=policy.family_code,
        method=policy.safety_stock_method,
        by_period=[],
        lead_time_sigma=lead_time_sigma,
    )
    if policy.service_measure == ServiceMeasure.cycle_service_level:
        value, result.safety_factor = cycle_service_safety_stock(
            cycle_service_level=target, lead_time_sigma=lead_time_sigma
        )
    else:
        quantity = policy.order_quantity
        if quantity is None:
            quantity = sum(forecast) / len(forecast) if forecast else 0.0
        result.order_quantity = quantity
        value, result.safety_factor = fill_rate_safety_stock(
            fill_rate=target, order_quantity=quantity, lead_time_sigma=lead_time_sigma
        )
    return value, result


def compute_safety_stocks(
    *,
    policies: Sequence[InventoryPolicyBase],
    lines: Sequence[DemandLineIn],
    overrides: Sequence[SafetyStockOverride] = (),
) -> SafetyStockAnswer:
    """Safety stock per family and month for the families of ``lines``, over every month
    from the first to the last of ``lines``."""
    demand: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for line in lines:
        demand[line.family_code][line.period] += line.quantity
    periods = _month_range(sorted({line.period for line in lines}))
    by_family = {policy.family_code: policy for policy in policies}
    wanted = sorted(demand)
    overrides_by_family = {override.family_code: override for override in overrides}
    results = [
        family_safety_stock(
            policy=by_family[family],
            periods=periods,
            forecast=[demand[family].get(period, 0.0) for period in periods],
            override=overrides_by_family.get(family),
        )
        for family in wanted
        if family in by_family
    ]
    return SafetyStockAnswer(
        periods=periods,
        families=results,
        families_without_policy=[family for family in wanted if family not in by_family],
    )


def load_policies(session: Session, *, family_codes: Iterable[str]) -> list[InventoryPolicy]:
    return rows_where_in(session, table=InventoryPolicy, column="family_code", values=family_codes)


def _month_range(periods: Sequence[str]) -> list[str]:
    """Every month from the first to the last of ``periods`` (sorted), bounded in length."""
    if not periods:
        return []
    span = months_between(periods[0], periods[-1]) + 1
    if span > MAX_SPAN_MONTHS:
        raise ValidationFailed(
            f"the lines span {span} months, more than {MAX_SPAN_MONTHS}",
            field="body.lines",
        )
    return [add_months(periods[0], offset) for offset in range(span)]


def check_overrides(overrides: Sequence[SafetyStockOverride]) -> None:
    """One override per family."""
    seen: dict[str, int] = {}
    errors: list[FieldError] = []
    for index, override in enumerate(overrides):
        if override.family_code in seen:
            errors.append(
                FieldError(
                    field=f"body.overrides.{index}.family_code",
                    reason=f"duplicate of override {seen[override.family_code]}",
                )
            )
        seen.setdefault(override.family_code, index)
    if errors:
        raise ValidationFailed("a family has more than one override", errors=errors)
