"""Coherent forecasts across the levels of a family's hierarchy (Nixtla's hierarchicalforecast).

Pure functions over pandas frames; no I/O. Each family is its own tree, strictly
hierarchical so that top-down methods apply:

    family > family x segment > family x segment x item > family x segment x item x location
    (> ... x customer, when asked: the demand not split by customer is the customer '')

A node's id is its codes joined by ``/`` (codes never hold one). Families are reconciled one
by one: no node adds two families (their units may differ).

Base forecasts come from one statsforecast model per request (the forecasting domain's
``SPECS`` build it), with in-sample fitted values for the methods that need residuals
(MinT) or history (top-down by historical proportions). Every reconciliation is the
library's; none is written here.
"""

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd
from hierarchicalforecast.core import HierarchicalReconciliation
from hierarchicalforecast.methods import BottomUp, MinTrace, TopDown
from hierarchicalforecast.utils import aggregate
from statsforecast import StatsForecast

from services.demand.forecasting.methods import SPECS, usable_season
from shared.contracts.demand import ForecastMethod

TREE = [
    ["family"],
    ["family", "segment"],
    ["family", "segment", "item"],
    ["family", "segment", "item", "location"],
]
TREE_LEVELS = ("family", "family_segment", "family_segment_item", "item_location_segment")
CUSTOMER_TREE = [*TREE, [*TREE[-1], "customer"]]
CUSTOMER_LEVELS = (*TREE_LEVELS, "item_location_customer")
BASE = "base"
SEPARATOR = "/"


class ReconcileMethod(StrEnum):
    bottom_up = "bottom_up"
    top_down_forecast_proportions = "top_down_forecast_proportions"
    top_down_average_proportions = "top_down_average_proportions"
    top_down_proportion_averages = "top_down_proportion_averages"
    min_trace_ols = "min_trace_ols"
    min_trace_wls_struct = "min_trace_wls_struct"
    min_trace_shrink = "min_trace_shrink"


def reconciler(method: ReconcileMethod) -> BottomUp | TopDown | MinTrace:
    if method == ReconcileMethod.bottom_up:
        return BottomUp()
    if method.startswith("top_down_"):
        return TopDown(method=method.removeprefix("top_down_"))
    library_name = {"min_trace_shrink": "mint_shrink"}.get(
        method, method.removeprefix("min_trace_")
    )
    return MinTrace(method=library_name)


# Methods that read the history or in-sample residuals besides the base forecasts.
NEEDS_INSAMPLE = {
    ReconcileMethod.top_down_average_proportions,
    ReconcileMethod.top_down_proportion_averages,
    ReconcileMethod.min_trace_shrink,
}


@dataclass(frozen=True)
class Tree:
    """A family's hierarchy: every node's history (``unique_id``, ``ds``, ``y``), the summing
    matrix ``S`` (one row per node, one column per bottom series) and each level's nodes."""

    y: pd.DataFrame
    S: pd.DataFrame
    tags: dict[str, np.ndarray]


def month_start(period: str) -> pd.Timestamp:
    return pd.Timestamp(f"{period}-01")


History = (
    Mapping[tuple[str, str, str, str], Mapping[str, float]]
    | Mapping[tuple[str, str, str, str, str], Mapping[str, float]]
)
"""Bottom series by (family, segment, item, location[, customer]): {period: quantity}."""


def build_tree(history: History, periods: Sequence[str]) -> Tree:
    """The tree of bottom series ``{(family, segment, item, location[, customer]): {period:
    quantity}}`` over ``periods`` (keys with a customer: the tree has the customer level); a
    month a series does not name is zero demand."""
    by_customer = any(len(key) == len(CUSTOMER_TREE[-1]) for key in history)
    tree, levels = (CUSTOMER_TREE, CUSTOMER_LEVELS) if by_customer else (TREE, TREE_LEVELS)
    rows = [
        {
            **dict(zip(tree[-1], key, strict=True)),
            "ds": month_start(period),
            "y": float(values.get(period, 0.0)),
        }
        for key, values in sorted(history.items())
        for period in periods
    ]
    y, s_df, tags = aggregate(pd.DataFrame(rows), tree)
    renamed = dict(zip(tags, levels, strict=True))
    return Tree(
        y=y.reset_index() if "unique_id" not in y.columns else y,
        S=s_df.reset_index() if "unique_id" not in s_df.columns else s_df,
        tags={renamed[name]: ids for name, ids in tags.items()},
    )


def base_forecasts(
    tree: Tree, *, horizon: int, method: ForecastMethod, season_length: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every node's own forecast (``unique_id``, ``ds``, ``base``) and in-sample fitted
    values (``unique_id``, ``ds``, ``y``, ``base``) from one statsforecast model."""
    months = int(tree.y.groupby("unique_id").size().min())
    season = usable_season(method, months, season_length)
    if season is None:
        raise ValueError(f"{method.value} cannot run on {months} month(s) of history")
    spec = SPECS[method]
    model = spec.build(season, spec.parameters())
    engine = StatsForecast(models=[model], freq="MS", n_jobs=1)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            forecast = engine.forecast(df=tree.y, h=horizon, fitted=True)
            fitted = engine.forecast_fitted_values()
    except Exception as exc:
        # The library refuses odd series in many ways (tiny data, singular fits): the
        # caller chooses another method or sends more history.
        raise ValueError(f"{method.value} could not fit every node: {exc}") from exc
    forecast = forecast.rename(columns={model.alias: BASE})
    fitted = fitted.rename(columns={model.alias: BASE})
    # The first season has no fitted value for a seasonal naive model: its residual is unknown.
    fitted[BASE] = fitted[BASE].fillna(fitted["y"])
    return forecast, fitted


def reconcile(
    tree: Tree,
    *,
    base: pd.DataFrame,
    fitted: pd.DataFrame | None,
    methods: Sequence[ReconcileMethod],
) -> pd.DataFrame:
    """``base`` (``unique_id``, ``ds``, ``base``) with one column per method: the coherent
    forecasts, each method run by the library on its own."""
    answer = base.copy()
    for method in methods:
        engine = HierarchicalReconciliation(reconcilers=[reconciler(method)])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = engine.reconcile(
                    Y_hat_df=base,
                    Y_df=fitted if method in NEEDS_INSAMPLE else None,
                    S_df=tree.S,
                    tags=tree.tags,
                )
        except Exception as exc:
            # The library refuses data its method cannot use with a bare Exception (MinT
            # shrink on residuals all zero, say): the caller chooses another method.
            raise ValueError(f"{method.value} cannot reconcile this tree: {exc}") from exc
        added = [column for column in result.columns if column not in base.columns]
        if method == ReconcileMethod.top_down_forecast_proportions:
            _check_top_kept(tree, result=result, column=added[0])
        merged = result[["unique_id", "ds", *added]].rename(columns={added[0]: method.value})
        if not np.all(np.isfinite(merged[method.value].to_numpy(dtype=float))):
            raise ValueError(f"{method.value} gives no number here (a tree without demand?)")
        answer = answer.merge(merged, on=["unique_id", "ds"], how="left")
    return answer


def _check_top_kept(tree: Tree, *, result: pd.DataFrame, column: str) -> None:
    """Top-down keeps the family's own forecast. hierarchicalforecast finds the top node by
    how many series it sums, so when a family's only segment sums as many it may start from
    the segment and leave the family at zero: refused rather than answered wrong."""
    top = result[result["unique_id"].isin(tree.tags[TREE_LEVELS[0]])]
    if not np.allclose(top[column], top[BASE]):
        raise ValueError(
            "top-down by forecast proportions cannot reconcile a family with a single "
            "segment (the library cannot tell its top node): choose another method"
        )


def node_codes(unique_id: str) -> tuple[str, ...]:
    """The codes of a node, family first."""
    return tuple(unique_id.split(SEPARATOR))
