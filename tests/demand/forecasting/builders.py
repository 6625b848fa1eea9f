"""Series for the forecasting tests, as the API takes them."""

import datetime as dt
from collections import defaultdict

import numpy as np
import statsmodels.api as sm
from statsforecast.utils import AirPassengers

from shared.periods import add_months
from sop.demo.build import build_demo


def series_in(series_id: str, values, *, start: str = "2020-01") -> dict:
    """One series of consecutive months from ``start``."""
    return {
        "id": series_id,
        "periods": [add_months(start, k) for k in range(len(values))],
        "values": [float(v) for v in values],
    }


def air_passengers() -> dict:
    """Box & Jenkins' airline passengers, 1949-01 to 1960-12 (shipped by statsforecast)."""
    return series_in("AirPassengers", np.asarray(AirPassengers), start="1949-01")


def demo_series() -> list[dict]:
    """The demo company's 24 months of history, one series per family x segment."""
    by_series: dict[str, dict[str, float]] = defaultdict(dict)
    for row in build_demo(dt.date(2026, 12, 1)).history:
        by_series[f"{row.family_code}/{row.segment_code}"][row.period] = row.quantity
    return [
        {"id": key, "periods": list(values), "values": list(values.values())}
        for key, values in sorted(by_series.items())
    ]


def statsmodels_series(years: int = 10) -> list[dict]:
    """The last ``years`` of two monthly series shipped by statsmodels: Mauna Loa CO2 (ppm,
    weekly readings averaged per month, the few empty weeks interpolated; trend and season) and
    the El Nino sea surface temperature (degrees C; season and irregular cycles)."""
    co2 = sm.datasets.co2.load_pandas().data["co2"].resample("MS").mean().interpolate()
    co2 = co2.iloc[-12 * years :]
    elnino = sm.datasets.elnino.load_pandas().data.iloc[-years:]
    temperatures = elnino.drop(columns="YEAR").to_numpy().ravel()
    return [
        series_in("co2", co2.to_numpy(), start=co2.index[0].strftime("%Y-%m")),
        series_in("elnino", temperatures, start=f"{int(elnino['YEAR'].iloc[0])}-01"),
    ]
