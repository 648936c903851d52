"""PyTorch side of benches/nn_benchmarks.rs: forward + backward of the same layers at the same
shapes, single thread (torch.set_num_threads(1)), float32 on CPU. Prints one JSON object:
{"torch": version, "threads": 1, "<bench name>": {"median_ms": ..., "min_ms": ..., "runs": n}}.

Run: /work/pyenv/bin/python benches/python/nn_bench.py [--runs N] [name ...]
The names match the Rust benchmark ids (nn/<name>), so the two outputs can be joined.
"""

import json
import sys
import time

import torch

B, T = 128, 36
RNN_C = 1  # one value per step, as benches/nn_benchmarks.rs


def timed(step, runs):
    for _ in range(3):  # warm-up
        step()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    return {"median_ms": times[len(times) // 2], "min_ms": times[0], "runs": runs}


def bench_linear(runs):
    """Linear 1024 -> 1024 + ReLU at B = 1024, input gradient included (x requires grad)."""
    lin = torch.nn.Linear(1024, 1024)
    x = torch.randn(1024, 1024, requires_grad=True)
    dy = torch.randn(1024, 1024)

    def step():
        lin.zero_grad(set_to_none=False)
        x.grad = None
        torch.relu(lin(x)).backward(dy)

    return timed(step, runs)


def bench_conv1d(runs):
    """5 causal convs (dilations 1..16), 128 channels, kernel 2, ReLU: NeuralForecast's
    TemporalConvolutionEncoder, fed (B, T, C) as the TCN model does."""
    from neuralforecast.common._modules import TemporalConvolutionEncoder

    enc = TemporalConvolutionEncoder(128, 128, 2, [1, 2, 4, 8, 16], "ReLU")
    x = torch.randn(B, T, 128)
    dy = torch.randn(B, T, 128)

    def step():
        enc.zero_grad(set_to_none=False)
        enc(x).backward(dy)

    return timed(step, runs)


def _rnn(module, d, runs):
    x = torch.randn(B, T, RNN_C)
    dy = torch.randn(B, T, d)

    def step():
        module.zero_grad(set_to_none=False)
        y, _ = module(x)
        y.backward(dy)

    return timed(step, runs)


def bench_lstm(runs):
    return _rnn(torch.nn.LSTM(RNN_C, 128, 2, batch_first=True), 128, runs)


def bench_gru(runs):
    return _rnn(torch.nn.GRU(RNN_C, 200, 2, batch_first=True), 200, runs)


def _mha(need_weights, runs):
    mha = torch.nn.MultiheadAttention(128, 4, batch_first=True)
    x = torch.randn(B, T, 128, requires_grad=True)
    dy = torch.randn(B, T, 128)

    def step():
        mha.zero_grad(set_to_none=False)
        x.grad = None
        y, _ = mha(x, x, x, need_weights=need_weights)
        y.backward(dy)

    return timed(step, runs)


def bench_attention(runs):
    """Self-attention, NH = 4, E = 128, no mask, input gradient included (x requires grad).
    need_weights=False lets PyTorch use scaled_dot_product_attention and, like the Rust side,
    return no averaged weights. (On the 2-core VM of 2026-12-01 the need_weights=True path
    below measured ~15% faster; compare the Rust figure with the faster of the two.)"""
    return _mha(False, runs)


def bench_attention_with_weights(runs):
    """The same with need_weights=True (PyTorch's default): the explicit bmm/softmax path."""
    return _mha(True, runs)


BENCHES = {
    "linear_relu_b1024_1024x1024": bench_linear,
    "conv1d_stack_b128_t36_c128_k2": bench_conv1d,
    "lstm_l2_b128_t36_d128": bench_lstm,
    "gru_l2_b128_t36_d200": bench_gru,
    "mha_nh4_b128_t36_d128": bench_attention,
    "mha_nh4_b128_t36_d128_need_weights": bench_attention_with_weights,
}


def main(argv):
    torch.set_num_threads(1)
    torch.manual_seed(0)
    runs = 20
    if "--runs" in argv:
        i = argv.index("--runs")
        runs = int(argv[i + 1])
        argv = argv[:i] + argv[i + 2 :]
    names = argv or list(BENCHES)
    out = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    for name in names:
        out[name] = BENCHES[name](runs)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
