"""Memory and speed of the koo_invivo conversion on a generated DeepSEA-sized train.mat.

For each size N (default 200,000 and 400,000 sequences) and each storage layout, the
benchmark writes a bundle in DeepSEA's layout to a temporary folder: ``train.mat`` as
MATLAB v7.3 (h5py sees (1000, 4, N) and (919, N)), with the paper's per-class label
rates (about 8% of sequences kept), and small ``valid.mat`` / ``test.mat`` (MATLAB v5).
Then, in the same run:

* **raw read**: ``trainxdata`` and ``traindata`` read straight through with h5py in
  blocks of the builder's size, into reused buffers (``read_direct``), with h5py's
  default settings; and again with HDF5's data sieve buffer turned off, as the
  builder reads (for uncompressed files about three times faster: see
  ``matfile._open_hdf5``);
* **build**: ``download_and_prepare`` of the builder in a fresh process, with the
  bundle as its manual folder; peak resident memory (VmHWM) of that process, and its
  resident memory right after importing TensorFlow and the builder.

All are repeated, alternately (``--repeats``, default 3), and the fastest run of each
is kept, since other work on the machine slows single runs; peak memory is the largest
of the repeats.

Layouts: ``matlab`` (chunked, deflate level 3, as MATLAB saves v7.3 files by default)
and ``contiguous`` (uncompressed). Throughput is input sequences per second (all
three files for the build, train.mat alone for the raw read, so the ratio is
conservative). The folder is deleted at the end.

    python benchmarks/bench_koo_invivo.py                     # 200k and 400k, both layouts
    python benchmarks/bench_koo_invivo.py --sizes 200000 400000 --layouts matlab
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SMALL_SPLIT = 2_000  # sequences in valid.mat and test.mat
LAYOUTS = {
    "matlab": dict(chunk_rows=64, compression="gzip", level=3),
    "contiguous": dict(chunk_rows=None, compression=None),
}


def _vm_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


def write_bundle(folder: Path, n: int, layout: str) -> float:
    from deepmotif_arch.tfds_builders.koo_invivo import make_fixtures

    start = time.perf_counter()
    make_fixtures.write_bundle(folder, {"train": n, "valid": SMALL_SPLIT, "test": SMALL_SPLIT},
                               seed=1, tf_rates=make_fixtures.PAPER_TF_RATES, **LAYOUTS[layout])
    return time.perf_counter() - start


def raw_read(path: Path, block: int, sieve: bool = True) -> float:
    """Seconds to read both datasets of train.mat straight through.

    ``sieve=False`` opens the file with HDF5's data sieve buffer turned off, as the
    builder does (see ``matfile._open_hdf5``): the fastest h5py read of these blocks.
    """
    import h5py
    import numpy as np

    start = time.perf_counter()
    if sieve:
        opened = h5py.File(path, "r")
    else:
        fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
        fapl.set_sieve_buf_size(0)
        opened = h5py.File(h5py.h5f.open(os.fsencode(path), h5py.h5f.ACC_RDONLY, fapl=fapl))
    with opened as f:
        x, y = f["trainxdata"], f["traindata"]
        n = x.shape[-1]
        xbuf = np.empty(x.shape[:-1] + (block,), x.dtype)
        ybuf = np.empty(y.shape[:-1] + (block,), y.dtype)
        for a in range(0, n, block):
            b = min(a + block, n)
            if b - a == block:
                x.read_direct(xbuf, source_sel=np.s_[..., a:b])
                y.read_direct(ybuf, source_sel=np.s_[..., a:b])
            else:
                x[..., a:b], y[..., a:b]  # noqa: B018 - the last, shorter block
    return time.perf_counter() - start


def child_build(bundle: str, data_dir: str) -> None:
    """Run in a fresh interpreter: build koo_invivo from ``bundle`` and print JSON."""
    import tensorflow as tf  # noqa: F401 - imported up front, as `tfds build` does
    import tensorflow_datasets as tfds

    from deepmotif_arch.data import datasets

    builder = datasets.builder_class("koo_invivo")(data_dir=data_dir)
    after_import = _vm_kib("VmRSS")
    start = time.perf_counter()
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(manual_dir=bundle))
    seconds = time.perf_counter() - start
    splits = {k: v.num_examples for k, v in builder.info.splits.items()}
    print(json.dumps({"seconds": seconds, "peak_kib": _vm_kib("VmHWM"),
                      "after_import_kib": after_import, "splits": splits}))


def run_one(root: Path, n: int, layout: str, repeats: int) -> dict:
    from deepmotif_arch.tfds_builders.koo_invivo import deepsea

    bundle = root / f"{layout}_{n}" / "deepsea_train"
    write_s = write_bundle(bundle, n, layout)
    train = bundle / "train.mat"
    source = deepsea.inspect_split(train, deepsea.SPLIT_FILES[0])
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    raws, unsieved, builds = [], [], []
    for attempt in range(repeats):  # alternate, so all see the same load on the machine
        raws.append(raw_read(train, source.block_size))
        unsieved.append(raw_read(train, source.block_size, sieve=False))
        data_dir = root / f"tfds_{layout}_{n}_{attempt}"
        command = [sys.executable, __file__, "--child-build", str(bundle), str(data_dir)]
        proc = subprocess.run(command, capture_output=True, text=True, env=env)
        if proc.returncode:
            sys.stderr.write(proc.stderr[-4000:])
            raise SystemExit(f"build of {n} ({layout}) failed")
        builds.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        shutil.rmtree(data_dir, ignore_errors=True)
    raw_s = min(raws)
    build = min(builds, key=lambda b: b["seconds"])
    total = n + 2 * SMALL_SPLIT
    row = {
        "layout": layout, "n": n, "train_mb": train.stat().st_size / 1e6, "write_s": write_s,
        "block": source.block_size, "raw_s": raw_s, "raw_rate": n / raw_s,
        "unsieved_rate": n / min(unsieved),
        "build_s": build["seconds"], "build_rate": total / build["seconds"],
        "peak_mb": max(b["peak_kib"] for b in builds) / 1024,
        "import_mb": max(b["after_import_kib"] for b in builds) / 1024,
        "kept": build["splits"]["train"],
    }
    row["ratio"] = row["build_rate"] / row["raw_rate"]
    row["unsieved_ratio"] = row["build_rate"] / row["unsieved_rate"]
    shutil.rmtree(bundle.parent, ignore_errors=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200_000, 400_000])
    parser.add_argument("--layouts", nargs="+", choices=sorted(LAYOUTS),
                        default=["matlab", "contiguous"])
    parser.add_argument("--repeats", type=int, default=3,
                        help="raw reads and builds per size; the fastest of each is kept")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where to write the bundles (default: a new temporary folder)")
    parser.add_argument("--child-build", nargs=2, metavar=("BUNDLE", "DATA_DIR"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_build:
        child_build(*args.child_build)
        return
    root = Path(tempfile.mkdtemp(prefix="bench_koo_invivo_", dir=args.workdir))
    rows = []
    try:
        for layout in args.layouts:
            for n in args.sizes:
                row = run_one(root, n, layout, args.repeats)
                rows.append(row)
                print(f"# {layout} {n:,}: {json.dumps(row)}", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print("| layout | train seqs | train.mat MB | kept | raw h5py read seq/s | build seq/s "
          "| build / raw | raw read, sieve off, seq/s | build / that | peak RSS MB "
          "| RSS after import MB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['layout']} | {r['n']:,} | {r['train_mb']:.0f} | {r['kept']:,} "
              f"| {r['raw_rate']:,.0f} | {r['build_rate']:,.0f} | {r['ratio']:.2f} "
              f"| {r['unsieved_rate']:,.0f} | {r['unsieved_ratio']:.2f} "
              f"| {r['peak_mb']:.0f} | {r['import_mb']:.0f} |")
    for layout in args.layouts:
        by_size = sorted((r["n"], r["peak_mb"]) for r in rows if r["layout"] == layout)
        for (n1, p1), (n2, p2) in zip(by_size, by_size[1:], strict=False):
            print(f"\n{layout}: {n1:,} -> {n2:,} sequences changes peak RSS by {p2 - p1:+.0f} MB "
                  f"({(p2 - p1) / p1:+.1%}).")


if __name__ == "__main__":
    main()
