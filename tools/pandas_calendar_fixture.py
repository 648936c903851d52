"""Writes tests/fixtures/pandas/calendar.csv: pandas' calendar accessors on random datetimes.

The Rust calendar features (src/data/calendar.rs) are checked against it. Deterministic
(seeded); rerun with a Python that has pandas and numpy:

    python tools/pandas_calendar_fixture.py
"""

import pathlib

import numpy as np
import pandas as pd

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests/fixtures/pandas/calendar.csv"


def main():
    rng = np.random.default_rng(20260101)
    lo = pd.Timestamp("1900-01-01").value // 10**9
    hi = pd.Timestamp("2100-01-01").value // 10**9
    idx = pd.to_datetime(rng.integers(lo, hi, 400), unit="s")
    # Year boundaries, where ISO weeks are subtle.
    edges = pd.to_datetime(
        [f"{y}-12-{d} 12:00:00" for y in range(2015, 2026) for d in (28, 29, 30, 31)]
        + [f"{y}-01-0{d} 06:30:00" for y in range(2015, 2026) for d in (1, 2, 3, 4)]
    )
    idx = idx.append(edges)
    iso = idx.isocalendar()
    df = pd.DataFrame(
        {
            "ds": idx.strftime("%Y-%m-%d %H:%M:%S"),
            "minute": idx.minute,
            "hour": idx.hour,
            "dayofweek": idx.day_of_week,
            "day": idx.day,
            "dayofyear": idx.day_of_year,
            "week": iso.week.values,
            "month": idx.month,
            "quarter": idx.quarter,
        }
    )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(OUT, index=False)
    print(f"wrote {len(df)} rows to {OUT}")


if __name__ == "__main__":
    main()
