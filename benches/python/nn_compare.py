"""Interleaved rounds of the issue-4 layer benchmarks: ours (`cargo bench --bench nn_benchmarks`)
and PyTorch's (nn_bench.py, torch.set_num_threads(1)), one after the other, so that both sides
of each round see the same machine load. Prints one Markdown row per layer and round, then the
ratio of the medians over the rounds.

Run from the repository root:
  /work/pyenv/bin/python benches/python/nn_compare.py [--rounds 2] [--runs 20] [--no-build]
      [--bin target/release/deps/nn_benchmarks-HASH]
(--bin runs an already built benchmark binary instead of `cargo bench`, e.g. while sources
are being edited.)

Ours: criterion's median of the round (target/criterion/nn/<id>/new/estimates.json).
PyTorch: median of --runs timed steps after 3 warm-ups; for attention the faster of the
need_weights=False/True paths (nn_bench.py explains why).
"""

import json
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nn_bench  # noqa: E402

IDS = [
    "linear_relu_b1024_1024x1024",
    "conv1d_stack_b128_t36_c128_k2",
    "lstm_l2_b128_t36_d128",
    "gru_l2_b128_t36_d200",
    "mha_nh4_b128_t36_d128",
]


def ours(binary):
    cmd = [binary, "--bench"] if binary else ["cargo", "bench", "--bench", "nn_benchmarks"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    out = {}
    for name in IDS:
        path = os.path.join("target", "criterion", "nn", name, "new", "estimates.json")
        with open(path) as f:
            out[name] = json.load(f)["median"]["point_estimate"] / 1e6
    return out


def theirs(runs):
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    out = {}
    for name in IDS:
        out[name] = nn_bench.BENCHES[name](runs)["median_ms"]
    alt = nn_bench.BENCHES["mha_nh4_b128_t36_d128_need_weights"](runs)["median_ms"]
    out["mha_nh4_b128_t36_d128"] = min(out["mha_nh4_b128_t36_d128"], alt)
    return out


def main(argv):
    rounds, runs = 2, 20
    if "--rounds" in argv:
        rounds = int(argv[argv.index("--rounds") + 1])
    if "--runs" in argv:
        runs = int(argv[argv.index("--runs") + 1])
    binary = argv[argv.index("--bin") + 1] if "--bin" in argv else None
    if "--no-build" not in argv and binary is None:
        subprocess.run(["cargo", "bench", "--bench", "nn_benchmarks", "--no-run"], check=True)
    rows = {name: ([], []) for name in IDS}
    print("| round | layer | ours ms | PyTorch ms | speed-up |")
    print("|---|---|---|---|---|")
    for r in range(rounds):
        a = ours(binary)
        b = theirs(runs)
        for name in IDS:
            rows[name][0].append(a[name])
            rows[name][1].append(b[name])
            print(f"| {r + 1} | {name} | {a[name]:.1f} | {b[name]:.1f} | {b[name] / a[name]:.2f}x |",
                  flush=True)
    print()
    print("| layer | ours ms (median of rounds) | PyTorch ms | speed-up |")
    print("|---|---|---|---|")
    for name in IDS:
        o, t = statistics.median(rows[name][0]), statistics.median(rows[name][1])
        print(f"| {name} | {o:.1f} | {t:.1f} | {t / o:.2f}x |")


if __name__ == "__main__":
    main(sys.argv[1:])
