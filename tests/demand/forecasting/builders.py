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


def co2(years: int = 10) -> dict:
    """The last ``years`` of Mauna Loa CO2 (ppm, shipped by statsmodels): weekly readings
    averaged per month, the few empty weeks interpolated; a trend and a season."""
    monthly = sm.datasets.co2.load_pandas().data["co2"].resample("MS").mean().interpolate()
    monthly = monthly.iloc[-12 * years :]
    return series_in("co2", monthly.to_numpy(), start=monthly.index[0].strftime("%Y-%m"))


def el_nino(years: int = 10) -> dict:
    """The last ``years`` of monthly Pacific sea-surface temperatures (deg C, statsmodels'
    El Nino data, 1950-2010): a strong season and multi-year swings no model foresees."""
    table = sm.datasets.elnino.load_pandas().data
    values = table.drop(columns="YEAR").to_numpy().ravel()[-12 * years :]
    first_year = int(table["YEAR"].iloc[-1]) - years + 1
    return series_in("el_nino", values, start=f"{first_year}-01")
