#!/usr/bin/env python3
"""NeuralForecast side of the comparison harness.

    nf_bench.py --spec benches/workloads.json --json OUT.json [--only LABEL ...] [--suites creation,training,...]

Runs every (model, suite) of the spec with NeuralForecast 3.3 exactly as configured there (no logger,
no progress bar, no checkpoints, accelerator cpu, torch.set_num_threads(spec threads)), each model in a
fresh process so that its peak RSS is its own. Prints a table and writes one JSON document:

    {"side": "neuralforecast", "versions": {...}, "threads": N, "startup": {...},
     "results": [{"label", "model", "suite", ...fields...}]}

Fields per suite (times in seconds unless the name says ms/us):
- creation: params, create_ms (constructing the model object), rss_mb (process RSS after creation)
- training: step_ms_median (Lightning batch start -> end, after warm-up), windows_per_s, fit_s
  (nf.fit wall time for measure_steps steps), full_run_s_extrapolated, peak_rss_mb
- inference: predict_first_ms (first nf.predict() in the fitting process), predict_warm_ms_median,
  cold_predict_ms (first nf.predict() in a fresh process after NeuralForecast.load), load_ms,
  forward_1_us_median and forward_256_ms_median (raw module forward under torch.no_grad, no Lightning)
- memory: peak_rss_mb of the process that fitted the model (same run as training)
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def splitmix64_uniforms(seed, n):
    """u[t] in [-1, 1): SplitMix64(seed) as documented in the spec (same numbers as the Rust side)."""
    mask = (1 << 64) - 1
    state = seed & mask
    out = []
    for _ in range(n):
        state = (state + 0x9E3779B97F4A7C15) & mask
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        z = z ^ (z >> 31)
        out.append((z >> 11) * (2.0 ** -53) * 2.0 - 1.0)
    return out


def synthetic_frame(spec):
    import math

    import pandas as pd

    d = spec["data"]
    n = d["series_length"]
    u = splitmix64_uniforms(d["seed"], n)
    y = [
        100.0 + 0.01 * t + 10.0 * math.sin(2 * math.pi * t / 24) + 5.0 * math.sin(2 * math.pi * t / 168) + u[t]
        for t in range(n)
    ]
    return pd.DataFrame({"unique_id": "series_0", "ds": list(range(1, n + 1)), "y": y})


def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def model_kwargs(spec, entry, max_steps, callbacks=None):
    c = spec["common"]
    kw = dict(
        h=c["h"],
        input_size=c["input_size"],
        max_steps=max_steps,
        windows_batch_size=c["windows_batch_size"],
        batch_size=c["batch_size"],
        learning_rate=c["learning_rate"],
        scaler_type=c["scaler_type"],
        random_seed=c["random_seed"],
        val_check_steps=max(max_steps, 1) * 10,
        enable_progress_bar=False,
        enable_model_summary=False,
        enable_checkpointing=False,
        logger=False,
        accelerator="cpu",
        devices=1,
    )
    if callbacks:
        kw["callbacks"] = callbacks
    kw.update(entry.get("params", {}))
    return kw


def child(spec, index, suite, out_path):
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    import torch

    torch.set_num_threads(spec["threads"])
    import neuralforecast.models as nfm
    from neuralforecast import NeuralForecast

    entry = spec["models"][index]
    cls = getattr(nfm, entry["model"])
    res = {"label": entry["label"], "model": entry["model"], "suite": suite}

    if suite == "creation":
        t0 = time.perf_counter()
        m = cls(**model_kwargs(spec, entry, 1))
        res["create_ms"] = (time.perf_counter() - t0) * 1e3
        res["params"] = sum(p.numel() for p in m.parameters())
        res["rss_mb"] = rss_mb()
    else:
        import pytorch_lightning as pl

        # NeuralForecast deep-copies models (and their callbacks) in fit, so the timings go to a
        # module-level list that the copies share.
        step_times = []

        class StepTimer(pl.Callback):
            def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
                self.t0 = time.perf_counter()

            def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
                step_times.append(time.perf_counter() - self.t0)

        tr = spec["training"]
        timer = StepTimer()
        m = cls(**model_kwargs(spec, entry, tr["measure_steps"], [timer]))
        df = synthetic_frame(spec)
        nf = NeuralForecast(models=[m], freq=spec["data"]["freq"])
        t0 = time.perf_counter()
        nf.fit(df)
        fit_s = time.perf_counter() - t0
        steps = step_times[tr["warmup_steps"]:] or step_times
        step = statistics.median(steps)
        wbs = spec["common"]["windows_batch_size"]
        res.update(
            steps_timed=len(steps),
            step_ms_median=step * 1e3,
            windows_per_s=wbs / step,
            fit_s=fit_s,
            full_run_s_extrapolated=step * tr["full_steps"],
            params=sum(p.numel() for p in m.parameters()),
        )
        if suite == "inference":
            inf = spec["inference"]
            t0 = time.perf_counter()
            nf.predict()
            res["predict_first_ms"] = (time.perf_counter() - t0) * 1e3
            warm = []
            for _ in range(inf["warm_repeats"]):
                t0 = time.perf_counter()
                nf.predict()
                warm.append(time.perf_counter() - t0)
            res["predict_warm_ms_median"] = statistics.median(warm) * 1e3
            # Raw module forward, no Lightning, no data pipeline.
            model = nf.models[0]
            model.eval()
            L = spec["common"]["input_size"]

            def batch(b):
                g = torch.Generator().manual_seed(0)
                # Absent exogenous inputs are None, as NeuralForecast's own batches have them
                # (TFT, for one, branches on None).
                return dict(
                    insample_y=torch.randn(b, L, 1, generator=g),
                    insample_mask=torch.ones(b, L, 1),
                    futr_exog=None,
                    hist_exog=None,
                    stat_exog=None,
                )

            with torch.no_grad():
                for b, key, scale in ((1, "forward_1_us_median", 1e6), (inf["batch_windows"], "forward_256_ms_median", 1e3)):
                    wb = batch(b)
                    for _ in range(5):
                        model(wb)
                    ts = []
                    for _ in range(inf["warm_repeats"]):
                        t0 = time.perf_counter()
                        model(wb)
                        ts.append(time.perf_counter() - t0)
                    res[key] = statistics.median(ts) * scale
            # Cold: the first predict in a fresh process that loads the saved model.
            with tempfile.TemporaryDirectory() as d:
                nf.save(d, overwrite=True)
                out = subprocess.run(
                    [sys.executable, __file__, "--cold", d, "--threads", str(spec["threads"])],
                    capture_output=True, text=True, check=True,
                )
                res.update(json.loads(out.stdout.strip().splitlines()[-1]))
        res["peak_rss_mb"] = peak_rss_mb()
    with open(out_path, "w") as f:
        json.dump(res, f)


def cold(path, threads):
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    import torch

    torch.set_num_threads(threads)
    from neuralforecast import NeuralForecast

    t0 = time.perf_counter()
    nf = NeuralForecast.load(path)
    load_ms = (time.perf_counter() - t0) * 1e3
    t0 = time.perf_counter()
    nf.predict()
    print(json.dumps({"load_ms": load_ms, "cold_predict_ms": (time.perf_counter() - t0) * 1e3}))


def startup(spec):
    """Fresh-process import cost: python start + `import neuralforecast` + the models module."""
    code = "import time; t=time.perf_counter(); import neuralforecast, neuralforecast.models; print(time.perf_counter()-t)"
    walls, imports = [], []
    for _ in range(spec["startup"]["repeats"]):
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        walls.append(time.perf_counter() - t0)
        imports.append(float(out.stdout.strip().splitlines()[-1]))
    return {"process_ms_median": statistics.median(walls) * 1e3, "import_ms_median": statistics.median(imports) * 1e3}


def versions():
    out = subprocess.run(
        [sys.executable, "-c", "import torch, neuralforecast, sys; print(torch.__version__, neuralforecast.__version__, sys.version.split()[0])"],
        capture_output=True, text=True, check=True,
    )
    torch_v, nf_v, py_v = out.stdout.split()
    return {"torch": torch_v, "neuralforecast": nf_v, "python": py_v}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--spec", default=os.path.join(HERE, "..", "workloads.json"))
    ap.add_argument("--json", dest="json_out")
    ap.add_argument("--only", nargs="*", default=[], help="labels to run (default: all)")
    ap.add_argument("--suites", default="creation,training,inference,memory,startup")
    ap.add_argument("--child", type=int)
    ap.add_argument("--suite")
    ap.add_argument("--out")
    ap.add_argument("--cold")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    if a.cold:
        return cold(a.cold, a.threads)
    with open(a.spec) as f:
        spec = json.load(f)
    if a.child is not None:
        return child(spec, a.child, a.suite, a.out)

    suites = set(a.suites.split(","))
    doc = {"side": "neuralforecast", "versions": versions(), "threads": spec["threads"], "results": []}
    if "startup" in suites:
        doc["startup"] = startup(spec)
        print(f"startup: {doc['startup']}", file=sys.stderr)
    for i, entry in enumerate(spec["models"]):
        if a.only and entry["label"] not in a.only:
            continue
        wanted = [x for x in entry["suites"] if x in suites and x != "memory"]  # memory: peak_rss_mb of the fitting process
        if "training" in wanted and "inference" in wanted:
            wanted.remove("training")  # the inference process fits first and reports the training fields too
        for suite in wanted:
            with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
                path = tmp.name
            try:
                p = subprocess.run(
                    [sys.executable, __file__, "--spec", a.spec, "--child", str(i), "--suite", suite, "--out", path],
                    capture_output=True, text=True,
                )
                if p.returncode != 0:
                    res = {"label": entry["label"], "model": entry["model"], "suite": suite,
                           "error": (p.stderr.strip().splitlines() or ["failed"])[-1]}
                else:
                    with open(path) as f:
                        res = json.load(f)
            finally:
                os.unlink(path)
            doc["results"].append(res)
            if suite == "inference" and "training" in entry["suites"] and "training" in suites:
                doc["results"].append(dict(res, suite="training"))
            print(json.dumps(res), file=sys.stderr)
    text = json.dumps(doc, indent=1)
    if a.json_out:
        with open(a.json_out, "w") as f:
            f.write(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
