"""Nested backtest of the selection rule: chosen method against seasonal naive, per series.

Run: ``.venv/bin/python -m bench.forecast_selection_bench [--sets fast] [--rules combine best]``

The series: statsmodels' El Nino (sea-surface temperature, last 10 years) and Mauna Loa CO2
(weekly readings averaged per month, last 10 years), statsforecast's AirPassengers (1949-1960),
each backtested from 6 scoring origins 2 months apart, 12 months ahead; El Nino's last 20
years from 10 scoring origins 6 months apart, 12 months ahead; and the demo's 58
family x segment series (24 months), 6 origins a month apart, 3 months ahead, pooled. At each
scoring origin the method is chosen on the months before it only (rules.py, rule 5), through
``POST /forecasts/backtest``'s own function.

Rules compared (rules.py, rule 4): ``combine`` (the service's: the mean of the two best
candidates unless the best's CV MAE is under half the runner-up's) and ``best`` (the single
best candidate alone, the rule before). Printed per series: MAE of the chosen forecasts and
of seasonal naive over the scoring origins' months, their ratio (below 1: the choice wins),
and the empirical coverage of the 80% and 95% intervals (nominal 0.80 and 0.95).

Measured (fast set; MAE, seasonal naive's, ratio, coverage 80% / 95%; selection over 8
origins 3 months apart, intervals widened to the selection's errors at today's level,
rules.py rules 6 and 7):

    combine  el_nino        0.623  0.717  0.869  0.85 0.99
    combine  el_nino_20y    1.014  1.136  0.893  0.84 0.99
    combine  co2            0.518  1.462  0.354  0.86 0.97
    combine  air_passengers 45.50  51.99  0.875  0.72 0.90
    combine  demo (58)      75.91  79.86  0.951  0.82 0.93
    best     el_nino        0.762  0.717  1.062  0.82 0.96
    best     el_nino_20y    1.136  1.136  1.001  0.78 0.92
    best     co2            0.546  1.462  0.373  0.82 0.96
    best     air_passengers 42.67  51.99  0.821  0.72 0.90
    best     demo (58)      79.86  79.86  1.000  0.77 0.90

The README compares the selection's origins (6 x 1 month before: AirPassengers' 80% intervals
covered 0.43; 12 x 2 and 10 x 2) and rule 7 on and off.
"""

import argparse
import datetime as dt
import time
import warnings
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import statsmodels.api as sm
from statsforecast.utils import AirPassengers

from services.demand.forecasting import rules
from services.demand.forecasting.service import backtest
from shared.contracts.demand import BacktestRequest, CandidateSet, SeriesIn
from shared.periods import add_months
from sop.demo.build import build_demo

RULES = {"combine": rules.CLEAR_WINNER, "best": float("inf")}
"""``CLEAR_WINNER`` of each rule: infinite, no best is ever averaged with the runner-up."""


def series_in(series_id: str, values: Sequence[float], *, start: str) -> SeriesIn:
    return SeriesIn(
        id=series_id,
        periods=[add_months(start, k) for k in range(len(values))],
        values=[float(v) for v in values],
    )


def public_series() -> list[SeriesIn]:
    nino = sm.datasets.elnino.load_pandas().data
    co2 = sm.datasets.co2.load_pandas().data["co2"].resample("MS").mean().interpolate()
    temperatures = nino.drop(columns="YEAR").to_numpy().ravel()
    last_year = int(nino["YEAR"].iloc[-1])
    return [
        series_in("el_nino", temperatures[-120:], start=f"{last_year - 9}-01"),
        series_in("el_nino_20y", temperatures[-240:], start=f"{last_year - 19}-01"),
        series_in("co2", co2.to_numpy()[-120:], start=co2.index[-120].strftime("%Y-%m")),
        series_in("air_passengers", np.asarray(AirPassengers), start="1949-01"),
    ]


def demo_series() -> list[SeriesIn]:
    by_series: dict[str, dict[str, float]] = defaultdict(dict)
    for row in build_demo(dt.date(2026, 12, 1)).history:
        by_series[f"{row.family_code}/{row.segment_code}"][row.period] = row.quantity
    return [
        SeriesIn(id=key, periods=list(values), values=list(values.values()))
        for key, values in sorted(by_series.items())
    ]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", choices=["fast", "full"], default=["fast"])
    parser.add_argument("--rules", nargs="+", choices=list(RULES), default=list(RULES))
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    cases = [
        ([one], 12, *((10, 6) if one.id == "el_nino_20y" else (6, 2))) for one in public_series()
    ] + [(demo_series(), 3, 6, 1)]
    print(
        f"{'set':<6}{'rule':<9}{'series':<16}{'MAE':>9}{'naive':>9}{'ratio':>7}"
        f"{'cov80':>7}{'cov95':>7}{'s':>7}  methods at the scoring origins",
        flush=True,
    )
    default = rules.CLEAR_WINNER
    try:
        for candidates in args.sets:
            for rule in args.rules:
                rules.CLEAR_WINNER = RULES[rule]
                for series, horizon, windows, step in cases:
                    started = time.perf_counter()
                    answer = backtest(
                        request=BacktestRequest(
                            series=series,
                            horizon=horizon,
                            windows=windows,
                            step=step,
                            levels=[80, 95],
                            candidates=CandidateSet(candidates),
                            time_budget_seconds=600,
                        )
                    )
                    seconds = time.perf_counter() - started
                    chosen, naive = answer.overall, answer.overall_seasonal_naive
                    assert chosen is not None and naive is not None
                    methods: dict[str, int] = defaultdict(int)
                    for one in answer.series:
                        for origin in one.origins:
                            methods[origin.method] += 1
                    name = series[0].id if len(series) == 1 else f"demo ({len(series)})"
                    print(
                        f"{candidates:<6}{rule:<9}{name:<16}{chosen.mae:>9.3f}{naive.mae:>9.3f}"
                        f"{chosen.mae / naive.mae:>7.3f}{chosen.coverage.get('80', np.nan):>7.2f}"
                        f"{chosen.coverage.get('95', np.nan):>7.2f}{seconds:>7.1f}  "
                        f"{dict(sorted(methods.items()))}",
                        flush=True,
                    )
    finally:
        rules.CLEAR_WINNER = default


if __name__ == "__main__":
    main()
