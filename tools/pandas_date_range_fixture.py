"""Writes tests/fixtures/pandas/date_range.txt: pandas' date_range and infer_freq per alias.

Each line: `alias|inferred|t0|t1|...|t7`, where t0 is a random start rolled onto the alias'
grid, t1.. follow from pd.date_range, and `inferred` is pd.infer_freq of those 8 times. The
Rust frequencies (src/data/freq.rs) are checked against it. Deterministic (seeded); rerun with
a Python that has pandas and numpy:

    python tools/pandas_date_range_fixture.py
"""

import pathlib
import warnings

import numpy as np
import pandas as pd

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests/fixtures/pandas/date_range.txt"
ALIASES = [
    "min", "15min", "h", "6h", "D", "3D", "W", "W-MON", "2W-WED",
    "MS", "2MS", "ME", "3ME", "QS", "QE", "2QE", "YS", "YE", "2YS",
]


def main():
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(20260102)
    lo = pd.Timestamp("1950-01-01").value // 10**9
    hi = pd.Timestamp("2050-01-01").value // 10**9
    lines = []
    for alias in ALIASES:
        offset = pd.tseries.frequencies.to_offset(alias)
        for _ in range(6):
            t = pd.Timestamp(int(rng.integers(lo, hi)), unit="s").floor("min")
            if alias not in ("min", "15min", "h", "6h"):
                t = t.normalize()
            elif alias == "15min":
                t = t.floor("15min")
            elif alias in ("h", "6h"):
                t = t.floor("h")
            start = offset.rollforward(t) if not offset.is_on_offset(t) else t
            r = pd.date_range(start, periods=8, freq=alias)
            inferred = pd.infer_freq(r)
            inferred = getattr(inferred, "freqstr", inferred)
            times = [x.strftime("%Y-%m-%d %H:%M:%S") for x in r]
            lines.append("|".join([alias, inferred] + times))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n")
    print(f"wrote {len(lines)} lines to {OUT}")


if __name__ == "__main__":
    main()
