#!/usr/bin/env bash
# CI: the README's "Install" section, tried as a new user would on a fresh machine.
#
# Builds the wheel from the project's own files, installs it WITHOUT extras into a new
# virtual environment, and runs from an empty folder (so nothing of the checkout can be
# imported): `deepmotif --help`, `deepmotif zoo list`, a build of koo_synthetic/tiny, one
# tiny epoch of CNN-25, `deepmotif match` on a released checkpoint, and plain
# `keras.models.load_model` on a released checkpoint found inside the installed package.
# Needs python3 (3.10+, with venv) and access to PyPI (TensorFlow and the rest).
#
#   .ci/install_check.sh                 # everything under a temporary folder, removed after
#   KEEP=1 .ci/install_check.sh          # keep it (the path is printed)
#   PYTHON=python3.12 .ci/install_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PYTHON="${PYTHON:-python3}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/deepmotif-install-check.XXXXXX")"
if [[ "${KEEP:-0}" == 1 ]]; then
    trap 'echo "install check: kept $WORK"' EXIT
else
    trap 'rm -rf "$WORK"' EXIT
fi
START=$SECONDS
step() { printf '\n== install check [%ss] %s\n' "$((SECONDS - START))" "$*"; }

step "copy the project's files (tracked and untracked, nothing git ignores)"
# A copy, not the checkout itself: setuptools would put a stale build/lib into the wheel.
"$PYTHON" - "$ROOT" "$WORK/src" <<'EOF'
import shutil
import subprocess
import sys
from pathlib import Path

root, dest = Path(sys.argv[1]), Path(sys.argv[2])
try:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root, capture_output=True, check=True).stdout.decode().split("\0")
except (OSError, subprocess.CalledProcessError):  # not a git checkout: copy all but outputs
    shutil.copytree(root, dest, ignore=shutil.ignore_patterns(
        ".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__", "runs"))
else:
    for name in filter(None, listed):
        if (root / name).is_file():  # skips files deleted but not yet committed
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / name, dest / name)
EOF

step "build the wheel"
"$PYTHON" -m pip wheel --quiet --no-deps -w "$WORK/dist" "$WORK/src"
WHEEL="$(ls "$WORK"/dist/deepmotif_arch-*.whl)"
ls -l "$WHEEL"

step "fresh virtual environment; pip install the wheel without extras"
"$PYTHON" -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install --quiet "$WHEEL"
"$WORK/venv/bin/python" -m pip --version

# From an empty folder, with the venv's scripts first on PATH, as after `source activate`.
mkdir "$WORK/user"
cd "$WORK/user"
export PATH="$WORK/venv/bin:$PATH"
export TF_CPP_MIN_LOG_LEVEL=2 COLUMNS=100
unset KERAS_BACKEND DEEPMOTIF_RELEASES DEEPMOTIF_RELEASE_URL PYTHONPATH
DATA="$WORK/tfds"

step "deepmotif --help"
deepmotif --help
deepmotif --version

step "deepmotif zoo list"
deepmotif zoo list

# Data sets are named as TFDS names them (name/config), as in the README.
step "deepmotif data build koo_synthetic/tiny"
deepmotif data build koo_synthetic/tiny --data-dir "$DATA"

step "deepmotif train cnn-25: one tiny epoch"
deepmotif train cnn-25 --dataset koo_synthetic/tiny --epochs 1 --data-dir "$DATA" -o "$WORK/run"
test -f "$WORK/run/model.keras"

step "plain keras.models.load_model on a released checkpoint inside the installed package"
python - "$WORK/released-cnn-25.txt" <<'EOF'
import importlib.resources
import site
import sys
from pathlib import Path

import keras
import numpy as np

from deepmotif_arch.zoo import pretrained

file = pretrained.path("cnn-50-2")
packaged = importlib.resources.files("deepmotif_arch.releases") / "koo_synthetic"
assert file == packaged / "cnn-50-2.keras", (file, packaged)
assert any(file.is_relative_to(Path(p)) for p in site.getsitepackages()), file
model = keras.models.load_model(file)  # no custom objects, no network
x = np.eye(4, dtype="float32")[np.random.default_rng(0).integers(0, 4, (2, 200))]
assert model.predict(x, verbose=0).shape == (2, 12)
print(f"{len(pretrained.list_models())} released; loaded {file} with keras "
      f"{keras.__version__} ({keras.backend.backend()})")
Path(sys.argv[1]).write_text(str(pretrained.path("cnn-25")))
EOF
CKPT="$(cat "$WORK/released-cnn-25.txt")"

step "deepmotif match on the released CNN-25 (tiny test split)"
deepmotif match "$CKPT" --config tiny --data-dir "$DATA" -o "$WORK/match" --images png
test -f "$WORK/match/stats.json"

step "passed in $((SECONDS - START)) s"
