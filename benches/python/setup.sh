#!/usr/bin/env bash
# Creates the Python peer environment for the comparison harness and the data benchmarks:
# NeuralForecast 3.3.0 with its torch, plus pandas and polars, in a virtualenv OUTSIDE the repository.
#
#   benches/python/setup.sh [VENV_DIR]      (default: $NEURO_DIVERGENT_PYENV or ~/.cache/neuro-divergent/pyenv)
#
# Then:  NEURO_DIVERGENT_PYTHON=VENV_DIR/bin/python cargo bench --bench comparison_benchmarks
# The environment takes about 6 GB (PyPI's torch brings CUDA libraries that stay unused on CPU).
# CPU-only runs: nf_bench.py calls torch.set_num_threads(N) with N = the spec's "threads", the same
# thread count our side uses.
set -euo pipefail
VENV="${1:-${NEURO_DIVERGENT_PYENV:-$HOME/.cache/neuro-divergent/pyenv}}"
PY="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet --upgrade pip
"$VENV/bin/pip" install --quiet -r "$(dirname "$0")/requirements.txt"
"$VENV/bin/python" -c "import torch, neuralforecast, pandas, polars; print('torch', torch.__version__, 'neuralforecast', neuralforecast.__version__, 'pandas', pandas.__version__, 'polars', polars.__version__)"
echo "export NEURO_DIVERGENT_PYTHON=$VENV/bin/python"
