"""Interleaved rounds of the data-processing benchmark: ours, pandas, polars, ours, ...

Each round runs `cargo bench --bench data_processing_benchmarks -- --json` (ours, median of
its repetitions) and then benches/python/data_bench.py once per peer, so machine load drifts
over all three alike. Prints per operation the median over rounds, the spread (min..max over
rounds) and the ratios peer/ours, as a markdown table, then the raw rounds as JSON.

Usage (from the repository root, with the peers' environment):
    /work/pyenv/bin/python benches/python/compare_data.py [--rounds 3] [--reps 5] [--ours-bin PATH]

`--ours-bin` runs an already built benchmark executable (the path cargo prints for
`cargo bench --bench data_processing_benchmarks --no-run`) instead of `cargo bench`, so that
no build can start between rounds.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
OPS = ["read_csv", "standard_scaling", "diff", "lags6", "rolling_mean_std3", "fourier3"]


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"no JSON in output:\n{text}")


def ours(reps, binary=None):
    cmd = ([binary, "--json"] if binary else
           ["cargo", "bench", "-q", "--bench", "data_processing_benchmarks", "--", "--json"])
    out = subprocess.run(cmd + ["--reps", str(reps)], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return {k: v["ms"] for k, v in last_json(out).items()}


def peer(name, reps):
    cmd = [sys.executable, os.path.join(HERE, "data_bench.py"), "--only", name,
           "--reps", str(reps)]
    out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return last_json(out)[name]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--ours-bin", default=None)
    args = ap.parse_args()
    rounds = {"ours": [], "pandas": [], "polars": []}
    for r in range(args.rounds):
        rounds["ours"].append(ours(args.reps, args.ours_bin))
        rounds["pandas"].append(peer("pandas", args.reps))
        rounds["polars"].append(peer("polars", args.reps))
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)

    def stat(engine, op):
        xs = [rd[op] for rd in rounds[engine] if op in rd]
        return (statistics.median(xs), min(xs), max(xs)) if xs else None

    print("| Operation | ours ms (min..max) | pandas ms (min..max) | polars ms (min..max) "
          "| pandas/ours | polars/ours |")
    print("|---|---|---|---|---|---|")
    for op in OPS:
        cells, med = [], {}
        for e in ["ours", "pandas", "polars"]:
            s = stat(e, op)
            med[e] = s[0] if s else None
            cells.append(f"{s[0]:.2f} ({s[1]:.2f}..{s[2]:.2f})" if s else "n/a")
        ratio = [f"{med[p] / med['ours']:.1f}x" if med[p] and med["ours"] else "n/a"
                 for p in ["pandas", "polars"]]
        print(f"| {op} | " + " | ".join(cells + ratio) + " |")
    print(json.dumps(rounds))


if __name__ == "__main__":
    main()
