"""Start-up cost of `import deepmotif_arch` and `deepmotif --help`.

Each command runs in a fresh interpreter, several times; the median wall time is
reported next to two baselines measured in the same run: a bare interpreter
(`python -c pass`) and `import keras` (what an eager import of the zoo would cost).

    python benchmarks/bench_import.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

CASES = {
    "python -c pass (baseline)": [sys.executable, "-c", "pass"],
    "import keras (baseline)": [sys.executable, "-c", "import keras"],
    "import deepmotif_arch": [sys.executable, "-c", "import deepmotif_arch"],
    "deepmotif --help": [sys.executable, "-m", "deepmotif_arch.cli.main", "--help"],
    "deepmotif zoo list": [sys.executable, "-m", "deepmotif_arch.cli.main", "zoo", "list"],
    "deepmotif zoo show cnn-25": [sys.executable, "-m", "deepmotif_arch.cli.main", "zoo", "show",
                                  "cnn-25"],
}


def median_seconds(cmd: list[str], repeats: int) -> float:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    results = {name: median_seconds(cmd, args.repeats) for name, cmd in CASES.items()}
    keras_s = results["import keras (baseline)"]
    print("| command | median s | x import keras |\n|---|---|---|")
    for name, seconds in results.items():
        print(f"| {name} | {seconds:.3f} | {seconds / keras_s:.2f} |")


if __name__ == "__main__":
    main()
