#!/usr/bin/env bash
# The Python environment of the fredapi acceptance test (README "The FRED-compatible API"):
# fredapi and pandas from PyPI, unmodified, in .build-fredapi-venv/ (ignored by git).
# Used by `make test-deps`; does nothing when the environment is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build-fredapi-venv
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import fredapi, pandas' 2>/dev/null; then
    exit 0
fi
python=/usr/bin/python3
[ -x "$python" ] || python=python3
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check 'fredapi==0.5.2' pandas
"$venv/bin/python" -c 'import fredapi, pandas; print("fredapi-venv: fredapi", fredapi.__version__ if hasattr(fredapi, "__version__") else "", "pandas", pandas.__version__)'
