#!/usr/bin/env bash
# Create ./.venv with hlsflow installed (editable) and its Keras/QKeras stack.
#   bash scripts/setup-env.sh        # user install: hlsflow + keras extra
#   bash scripts/setup-env.sh dev    # + onnx and dev extras (pytest, hypothesis, hls4ml oracle)
# tf_keras / qkeras / tensorflow-model-optimization are installed with --no-deps: their
# declared dependencies would pull the full tensorflow wheel and a wrong `pyparser`.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-user}"

need_apt=()
command -v g++ >/dev/null 2>&1 || need_apt+=(g++)
python3 -c "import venv, ensurepip" >/dev/null 2>&1 || need_apt+=(python3-venv)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq "${need_apt[@]}"
  else
    echo "missing system packages: ${need_apt[*]} (install them with apt-get, then rerun)" >&2
    exit 1
  fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
extras="keras"
[ "$mode" = dev ] && extras="keras,onnx,dev"
.venv/bin/python -m pip install -q -e ".[${extras}]"
.venv/bin/python -m pip install -q --no-deps -r requirements/keras-nodeps.txt
[ "$mode" = dev ] && .venv/bin/python -m pip install -q --no-deps -r requirements/dev-nodeps.txt
echo "hlsflow installed in $(pwd)/.venv ($mode)"
