"""pandas and polars peers of benches/data_processing_benchmarks.rs.

Same file (target/data_bench_1m.csv, written by the Rust benchmark), same operations:
CSV loading with date parsing, per-series standard scaling, first difference, 6 lags,
rolling mean and std over 3 windows, Fourier terms (3 harmonics of period 7, utilsforecast's
time index). Prints one JSON object: {"pandas": {op: ms}, "polars": {op: ms}}, each the median
of --reps timed repetitions after one warm-up.

Environment: python3 -m venv /path/env && /path/env/bin/pip install -r
benches/python/requirements-data.txt. polars runs with POLARS_MAX_THREADS (default 2 here, set
before the import) to match the machine the figures in PERF.md come from.

Usage: python benches/python/data_bench.py [--file PATH] [--reps N] [--only pandas|polars]
"""

import argparse
import json
import os
import statistics
import sys
import time

os.environ.setdefault("POLARS_MAX_THREADS", "2")

import numpy as np  # noqa: E402

LAGS = [1, 2, 3, 7, 14, 28]
WINDOWS = [7, 14, 28]
PERIOD = 7
HARMONICS = 3


def timed(fn, reps):
    fn()  # warm-up
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def pandas_round(path, reps):
    import pandas as pd

    out = {}
    out["read_csv"] = timed(lambda: pd.read_csv(path, parse_dates=["ds"]), reps)
    df = pd.read_csv(path, parse_dates=["ds"])
    g = df.groupby("unique_id", sort=False)["y"]

    def scale():
        return (df["y"] - g.transform("mean")) / g.transform("std")

    def diff():
        return g.diff()

    def lags():
        return [g.shift(k) for k in LAGS]

    def rolling():
        res = []
        for w in WINDOWS:
            r = g.rolling(w)
            res.append(r.mean().reset_index(level=0, drop=True))
            res.append(r.std().reset_index(level=0, drop=True))
        return res

    def fourier():
        # utilsforecast's index: 1-based, series aligned on their last row.
        size = g.transform("size").to_numpy()
        t = (g.cumcount().to_numpy() + 1 + (size.max() - size)).astype(np.float64)
        res = []
        for k in range(1, HARMONICS + 1):
            a = 2 * np.pi * k * t / PERIOD
            res.append(np.sin(a))
            res.append(np.cos(a))
        return res

    for name, fn in [
        ("standard_scaling", scale),
        ("diff", diff),
        ("lags6", lags),
        ("rolling_mean_std3", rolling),
        ("fourier3", fourier),
    ]:
        out[name] = timed(fn, reps)
    return out


def polars_round(path, reps):
    import polars as pl

    out = {}
    out["read_csv"] = timed(lambda: pl.read_csv(path, try_parse_dates=True), reps)
    df = pl.read_csv(path, try_parse_dates=True)
    y = pl.col("y")
    by = "unique_id"

    def run(exprs):
        return lambda: df.select(exprs)

    two_pi = 2 * np.pi
    t = (pl.int_range(1, pl.len() + 1).over(by) + (pl.len().max() - pl.len().over(by))).cast(
        pl.Float64
    )
    fourier = []
    for k in range(1, HARMONICS + 1):
        fourier.append((t * (two_pi * k / PERIOD)).sin().alias(f"sin{k}"))
        fourier.append((t * (two_pi * k / PERIOD)).cos().alias(f"cos{k}"))
    rolling = []
    for w in WINDOWS:
        rolling.append(y.rolling_mean(w).over(by).alias(f"m{w}"))
        rolling.append(y.rolling_std(w).over(by).alias(f"s{w}"))
    for name, exprs in [
        ("standard_scaling", [((y - y.mean()) / y.std()).over(by)]),
        ("diff", [y.diff().over(by)]),
        ("lags6", [y.shift(k).over(by).alias(f"lag{k}") for k in LAGS]),
        ("rolling_mean_std3", rolling),
        ("fourier3", fourier),
    ]:
        out[name] = timed(run(exprs), reps)
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.join(here, "..", "..", "target", "data_bench_1m.csv")
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", default=default)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--only", choices=["pandas", "polars"])
    args = ap.parse_args()
    if not os.path.exists(args.file):
        sys.exit(
            f"{args.file} is missing: run `cargo bench --bench data_processing_benchmarks "
            "-- --json` once to generate it"
        )
    res = {}
    if args.only in (None, "pandas"):
        res["pandas"] = pandas_round(args.file, args.reps)
    if args.only in (None, "polars"):
        res["polars"] = polars_round(args.file, args.reps)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
