#!/usr/bin/env python3
"""M3 accuracy, ours next to NeuralForecast's with the same configuration, in one run.

    m3_accuracy.py --bin target/release/neuro-divergent [--data ../shared/data]
                   [--subsets yearly,quarterly,monthly,other] [--models mlp,dlinear,...]
                   [--seeds 1,2,3] [--set NAME=VALUE ...] [--json OUT.json] [--md OUT.md]
                   [--no-nf]

For each subset and seed, runs `neuro-divergent eval --json` on the official M3 split
(m3_<subset>_train.csv / m3_<subset>_test.csv). Our eval reports, per model, its NeuralForecast
class name and every resolved hyperparameter; this script builds the NeuralForecast 3.3 model
from exactly those values (same h, input_size, steps, learning rate, batch sizes, scaler, seed,
architecture), fits it on the same training file, forecasts the same horizon and scores it with
the same sMAPE (M3 convention: 200·|y−ŷ|/(|y|+|ŷ|), per series, then averaged over series).

Both sides run on the same threads (torch.set_num_threads(--threads); ours
NEURO_DIVERGENT_THREADS). Seed-to-seed noise is reported as the standard deviation over seeds,
for both sides. Published figures (Theta, the N-BEATS ensemble) are printed next to them.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

PUBLISHED = {
    # Makridakis & Hibon (2000) Theta; Oreshkin et al. (2020) N-BEATS ensemble; sMAPE percent.
    "Theta": {"yearly": 16.90, "quarterly": 8.96, "monthly": 13.85, "other": 4.41},
    "N-BEATS (paper)": {"yearly": 15.92, "quarterly": 8.80, "monthly": 13.24, "other": 4.21},
}
# Hyperparameters NeuralForecast type-checks as floats.
FLOAT_PARAMS = {"training_data_availability_threshold", "learning_rate", "dropout_prob_theta", "dropout"}
SEASON = {"yearly": 1, "quarterly": 4, "monthly": 12, "other": 1}


def ours(args, subset, seed):
    cmd = [
        args.bin, "eval", "--quiet", "--json",
        "--train", os.path.join(args.data, f"m3_{subset}_train.csv"),
        "--test", os.path.join(args.data, f"m3_{subset}_test.csv"),
        "--season", str(SEASON[subset]), "--seed", str(seed),
        "--models", args.models,
    ]
    for s in args.set:
        cmd += ["--set", s]
    env = dict(os.environ, NEURO_DIVERGENT_THREADS=str(args.threads))
    t0 = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    doc = json.loads(out)
    doc["wall_seconds"] = time.perf_counter() - t0
    return doc


def nf_loss(spec):
    """Our loss spec (NeuralForecast's class name, optionally with arguments) as a loss object."""
    from neuralforecast.losses import pytorch as losses

    if spec is None:
        return None
    name, _, rest = spec.partition("(")
    kwargs = {}
    if rest:
        for part in rest.rstrip(")").split(","):
            if part.strip():
                k, _, v = part.partition("=")
                kwargs[k.strip()] = json.loads(v)
    return getattr(losses, name)(**kwargs)


def nf_kwargs(hyperparams):
    """Our resolved hyperparameters as NeuralForecast keyword arguments."""
    kw = {}
    for name, value in hyperparams.items():
        if name in ("loss", "valid_loss"):
            kw[name] = nf_loss(value)
        elif name == "alias" and value is None:
            continue
        elif name == "valid_batch_size" and value == -1:
            kw[name] = None  # ours spells NeuralForecast's None as -1
        elif name.endswith("_exog_list") and value == []:
            kw[name] = None
        elif name in FLOAT_PARAMS:
            kw[name] = float(value)  # JSON does not keep 0.0 apart from 0; NeuralForecast does
        else:
            kw[name] = value
    return kw


def smape_per_series(test, forecast, column):
    import numpy as np

    merged = test.merge(forecast[["unique_id", "ds", column]], on=["unique_id", "ds"], how="left")
    if merged[column].isna().any():
        raise SystemExit(f"NeuralForecast left {merged[column].isna().sum()} forecasts empty")
    y, f = merged["y"].to_numpy(), merged[column].to_numpy()
    denom = np.abs(y) + np.abs(f)
    term = np.where(denom == 0, 0.0, 200.0 * np.abs(y - f) / np.where(denom == 0, 1.0, denom))
    merged["term"] = term
    return float(merged.groupby("unique_id")["term"].mean().mean())


def neuralforecast_side(args, subset, row):
    import pandas as pd
    import torch
    from neuralforecast import NeuralForecast, models

    torch.set_num_threads(args.threads)
    train = pd.read_csv(os.path.join(args.data, f"m3_{subset}_train.csv"))
    test = pd.read_csv(os.path.join(args.data, f"m3_{subset}_test.csv"))
    cls = getattr(models, row["class"])
    model = cls(
        **nf_kwargs(row["hyperparams"]),
        accelerator="cpu", devices=1, logger=False, enable_progress_bar=False,
        enable_checkpointing=False, enable_model_summary=False,
    )
    nf = NeuralForecast(models=[model], freq=1)
    t0 = time.perf_counter()
    nf.fit(train)
    fit_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    fc = nf.predict().reset_index()
    predict_s = time.perf_counter() - t1
    column = row["model"] if row["model"] in fc.columns else f"{row['model']}-median"
    return {"smape": smape_per_series(test, fc, column), "fit_seconds": fit_s, "predict_seconds": predict_s}


def summary(values):
    if not values:
        return None
    return {
        "mean": statistics.mean(values),
        "sd": statistics.stdev(values) if len(values) > 1 else 0.0,
        "runs": values,
    }


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", required=True)
    p.add_argument("--data", default=os.path.join(here, "..", "..", "..", "shared", "data"))
    p.add_argument("--subsets", default="yearly,quarterly,monthly,other")
    p.add_argument("--models", default="mlp,dlinear,nlinear,nbeats,nbeatsx,nhits")
    p.add_argument("--seeds", default="1,2,3")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--set", action="append", default=[], help="NAME=VALUE passed to our eval (and so to both sides)")
    p.add_argument("--json")
    p.add_argument("--md")
    p.add_argument("--no-nf", action="store_true", help="our side only")
    args = p.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    results = {}
    for subset in args.subsets.split(","):
        for seed in seeds:
            doc = ours(args, subset, seed)
            for row in doc["models"]:
                r = results.setdefault(subset, {}).setdefault(
                    row["model"], {"ours": [], "nf": [], "ours_fit_s": [], "nf_fit_s": [], "config": row.get("hyperparams")}
                )
                r["ours"].append(row["smape"])
                r["ours_fit_s"].append(row["fit_seconds"])
                if "class" in row and not args.no_nf:
                    nf = neuralforecast_side(args, subset, row)
                    r["nf"].append(nf["smape"])
                    r["nf_fit_s"].append(nf["fit_seconds"])
                    print(f"{subset:9} seed {seed} {row['model']:12} ours {row['smape']:7.3f} ({row['fit_seconds']:.1f} s)"
                          f"  NeuralForecast {nf['smape']:7.3f} ({nf['fit_seconds']:.1f} s)", file=sys.stderr, flush=True)
                else:
                    print(f"{subset:9} seed {seed} {row['model']:12} ours {row['smape']:7.3f}", file=sys.stderr, flush=True)
    report = {
        "threads": args.threads,
        "seeds": seeds,
        "set": args.set,
        "subsets": {
            s: {
                m: {
                    "ours": summary(r["ours"]),
                    "neuralforecast": summary(r["nf"]),
                    "ours_fit_seconds": summary(r["ours_fit_s"]),
                    "neuralforecast_fit_seconds": summary(r["nf_fit_s"]),
                    "config": r["config"],
                }
                for m, r in models.items()
            }
            for s, models in results.items()
        },
        "published": PUBLISHED,
    }
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
    lines = markdown(report)
    if args.md:
        with open(args.md, "w") as f:
            f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


def markdown(report):
    subsets = list(report["subsets"])
    fmt = lambda s: "—" if s is None else (f"{s['mean']:.2f} ± {s['sd']:.2f}" if len(s["runs"]) > 1 else f"{s['mean']:.2f}")
    head = "| model | side | " + " | ".join(subsets) + " |"
    lines = [head, "|" + "---|" * (len(subsets) + 2)]
    models = []
    for s in subsets:
        for m in report["subsets"][s]:
            if m not in models:
                models.append(m)
    for m in models:
        rows = [("ours", "ours")] if m == "SeasonalNaive" else [("ours", "ours"), ("neuralforecast", "NeuralForecast")]
        for key, label in rows:
            cells = [fmt(report["subsets"][s].get(m, {}).get(key)) for s in subsets]
            lines.append(f"| {m} | {label} | " + " | ".join(cells) + " |")
    for name, figures in report["published"].items():
        lines.append(f"| {name} | published | " + " | ".join(f"{figures[s]:.2f}" for s in subsets) + " |")
    return lines


if __name__ == "__main__":
    main()
