"""Speed of `deepmotif_arch.motifs.tomtom` next to MEME Tomtom and memelite.

Cases (JASPAR 2016 CORE vertebrates, 519 motifs, from tests/data/reference):

* 519 x 519, Pearson (the paper's distance) and Euclidean, min overlap 5, E < 0.1;
* 30 filter-like queries (width <= 19, clipped as the released code did) against
  JASPAR 2016, Pearson;
* the first call in a fresh interpreter, with an empty numba cache (compiles) and
  with the cache this package keeps beside its modules (loads).

Warm times are the median of several runs in this process, with numba's default
thread count and with one thread. memelite's ``tomtom`` (Euclidean only, its
defaults) runs on the same inputs in the same process for comparison. MEME's
time is the one PAPER_FACTS records for its 519 x 519 Pearson run (about 180 s,
single-threaded); it is not rerun here.

    python benchmarks/bench_tomtom.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "data" / "reference"
MEME_PEARSON_519_SECONDS = 180.0  # PAPER_FACTS section 6, MEME Tomtom 5.5.8


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def filter_like_queries(jaspar, n: int = 30, width: int = 19, seed: int = 0):
    """Motifs embedded in vague 19-wide matrices, clipped: what filters look like."""
    from deepmotif_arch.motifs.meme import Motif, clip_motif

    rng = np.random.default_rng(seed)
    out = []
    for i, idx in enumerate(rng.choice(len(jaspar), size=n, replace=False)):
        core = jaspar[idx].matrix[:width]
        m = rng.dirichlet(np.full(4, 8.0), size=width)
        start = rng.integers(0, width - core.shape[0] + 1)
        m[start:start + core.shape[0]] = core
        out.append(clip_motif(Motif(id=f"filter{i}", matrix=m)))
    return out


FIRST_CALL = """
import time
from deepmotif_arch.motifs.meme import read_meme
from deepmotif_arch.motifs.tomtom import tomtom
jaspar = read_meme({path!r})
start = time.perf_counter()
tomtom(jaspar[:30], jaspar)
print(time.perf_counter() - start)
"""


def first_call_seconds(cache_dir: str | None) -> float:
    env = {**os.environ}
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    code = FIRST_CALL.format(path=str(REFERENCE / "JASPAR_CORE_2016_vertebrates.meme"))
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, env=env, cwd=ROOT)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip-cold", action="store_true",
                        help="skip the fresh-interpreter compile measurement")
    args = parser.parse_args()

    import numba

    from deepmotif_arch.motifs.meme import read_meme
    from deepmotif_arch.motifs.tomtom import tomtom

    jaspar = read_meme(REFERENCE / "JASPAR_CORE_2016_vertebrates.meme")
    queries30 = filter_like_queries(jaspar)
    tomtom(jaspar[:2], jaspar)  # compile or load the kernels once
    threads = numba.get_num_threads()

    rows = []

    def case(name, fn, baseline=None):
        for n_threads in sorted({threads, 1}, reverse=True):
            numba.set_num_threads(n_threads)
            seconds = median_time(fn, args.repeats)
            rows.append((f"{name} ({n_threads} thread{'s' if n_threads > 1 else ''})",
                         seconds, baseline))
        numba.set_num_threads(threads)

    case("519 x 519 Pearson", lambda: tomtom(jaspar, jaspar), MEME_PEARSON_519_SECONDS)
    case("519 x 519 Euclidean", lambda: tomtom(jaspar, jaspar, dist="ed"))
    case("30 filters x 519 Pearson", lambda: tomtom(queries30, jaspar))

    try:
        from memelite import tomtom as lite
    except ImportError:
        lite = None
    if lite is not None:
        mats = [m.matrix.T.copy() for m in jaspar]
        q30 = [m.matrix.T.copy() for m in queries30]
        lite(mats[:2], mats)
        rows.append(("memelite 519 x 519 Euclidean (all threads)",
                     median_time(lambda: lite(mats, mats), args.repeats), None))
        rows.append(("memelite 30 filters x 519 Euclidean (all threads)",
                     median_time(lambda: lite(q30, mats), args.repeats), None))

    if not args.skip_cold:
        with tempfile.TemporaryDirectory() as empty:
            rows.append(("first call, empty numba cache (compiles)",
                         first_call_seconds(empty), None))
        rows.append(("first call, numba cache present (loads)",
                     first_call_seconds(None), None))

    print(f"machine: {os.cpu_count()} cores, numba threads {threads}, "
          f"load average {os.getloadavg()[0]:.2f}")
    print("| case | median s | MEME s | x faster than MEME |\n|---|---|---|---|")
    for name, seconds, baseline in rows:
        meme = f"{baseline:.0f}" if baseline else ""
        ratio = f"{baseline / seconds:.0f}" if baseline else ""
        print(f"| {name} | {seconds:.3f} | {meme} | {ratio} |")
    by_name = {name: s for name, s, _ in rows}
    ours = by_name.get(f"519 x 519 Euclidean ({threads} thread{'s' if threads > 1 else ''})")
    lite_s = by_name.get("memelite 519 x 519 Euclidean (all threads)")
    if ours and lite_s:
        print(f"\n519 x 519 Euclidean: deepmotif_arch / memelite time = {ours / lite_s:.2f}")


if __name__ == "__main__":
    main()
