"""Writes tests/fixtures/{temporal,local}_scalers.txt from NeuralForecast's own scaler code.

Run with the NeuralForecast 3.3 environment:  /work/pyenv/bin/python tools/gen_scaler_fixtures.py
Every number is written as the shortest decimal of its float32 value.
"""
import os

import numpy as np
import torch
from coreforecast.grouped_array import GroupedArray
from neuralforecast.common._scalers import TemporalNorm
from neuralforecast.core import _type2scaler

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures")


def fmt(values):
    return " ".join(repr(float(np.float32(v))) for v in np.asarray(values).ravel())


def temporal_cases(rng):
    L, H = 8, 3
    cases = []
    x = rng.normal(10.0, 3.0, L + H)
    cases.append((x, np.ones(L + H)))
    m = np.ones(L + H)
    m[[0, 3]] = 0
    cases.append((rng.normal(-2.0, 5.0, L + H), m))  # even observed count: lower median
    cases.append((np.full(L + H, 4.5), np.ones(L + H)))  # constant: mad = std = 0
    cases.append((np.array([1, 1, 1, 1, 1, 9, 1, 2, 5, 6, 7.0]), np.ones(L + H)))  # mad 0, std > 0
    cases.append((rng.exponential(100.0, L + H), np.r_[np.zeros(3), np.ones(L + H - 3)]))
    cases.append((rng.normal(0.0, 1.0, L + H), np.zeros(L + H)))  # nothing observed
    return L, H, cases


def write_temporal(rng):
    L, H, cases = temporal_cases(rng)
    lines = [f"# NeuralForecast TemporalNorm(dim=1), windows of L={L} H={H}; mask zeroed on the horizon"]
    for kind in ["identity", "standard", "robust", "minmax", "minmax1", "invariant", "revin"]:
        for i, (x, avail) in enumerate(cases):
            if kind in ("minmax", "minmax1") and avail[:L].sum() == 0:
                continue  # NeuralForecast gives NaN; we document a different choice
            x = np.float32(x)
            mask = np.float32(avail.copy())
            mask[L:] = 0.0
            xt = torch.tensor(x).reshape(1, L + H, 1)
            mt = torch.tensor(mask).reshape(1, L + H, 1)
            sc = TemporalNorm(scaler_type=kind, dim=1, num_features=1)
            z = sc.transform(x=xt, mask=mt)
            zin = torch.linspace(-2.0, 2.0, H).reshape(1, H, 1)
            inv = sc.inverse_transform(zin)
            lines.append(f"case {kind} {i}")
            lines.append("x " + fmt(x))
            lines.append("mask " + fmt(avail))
            lines.append("stats " + fmt([sc.x_shift.item(), sc.x_scale.item()]))
            lines.append("z " + fmt(z.detach().numpy()))
            lines.append("zin " + fmt(zin.numpy()))
            lines.append("inv " + fmt(inv.detach().numpy()))
    with open(os.path.join(OUT, "temporal_scalers.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def write_local(rng):
    series = [
        rng.normal(50.0, 10.0, 24),
        rng.exponential(5.0, 13) + 0.1,
        np.full(7, 3.25),  # constant
        rng.lognormal(2.0, 0.5, 40),
        np.array([1.0, 2.0, 3.0, 4.0, 10.0, 6.0]),
    ]
    data = np.float32(np.concatenate(series))
    indptr = np.cumsum([0] + [len(s) for s in series]).astype(np.int32)
    lines = ["# coreforecast local scalers as NeuralForecast's core._type2scaler builds them (float32)"]
    for kind in ["standard", "robust", "robust-iqr", "minmax", "boxcox"]:
        ga = GroupedArray(data, indptr)
        sc = _type2scaler[kind]().fit(ga)
        z = sc.transform(ga)
        back = sc.inverse_transform(GroupedArray(np.float32(z), indptr))
        for i in range(len(series)):
            a, b = indptr[i], indptr[i + 1]
            lines.append(f"case {kind} {i}")
            lines.append("x " + fmt(data[a:b]))
            lines.append("stats " + fmt(sc.stats_[i]))
            lines.append("z " + fmt(z[a:b]))
            lines.append("inv " + fmt(back[a:b]))
    with open(os.path.join(OUT, "local_scalers.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20261201)
    write_temporal(rng)
    write_local(rng)
