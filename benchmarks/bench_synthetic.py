"""Generating koo_synthetic: the vectorised generator against a per-nucleotide Python loop.

The baseline implements the same recipe (1-5 motifs from 24 PWMs, buffered
placement, letters sampled column by column) the straightforward way: one Python
loop iteration per nucleotide. Both run in this process on the same PWMs; the
vectorised one is timed as the best of several repeats, the baseline once.

    python benchmarks/bench_synthetic.py [--sequences 25000]
"""

from __future__ import annotations

import argparse
import random
import time

import numpy as np

from deepmotif_arch.data import synthetic


def baseline_generate(n: int, length: int, seed: int, pwms, count_probs):
    """Per-nucleotide pure-Python generator (the benchmark's baseline)."""
    rnd = random.Random(seed)
    library = [p.tolist() for p in pwms] + [synthetic.reverse_complement(p).tolist()
                                            for p in pwms]
    cumulative_counts = []
    total = 0.0
    for p in count_probs:
        total += p
        cumulative_counts.append(total)
    sequences, labels = [], []
    for _ in range(n):
        u, k = rnd.random(), 1
        while k < len(cumulative_counts) and u >= cumulative_counts[k - 1]:
            k += 1
        chosen = [rnd.randrange(len(library)) for _ in range(k)]
        widths = [len(library[m]) for m in chosen]
        slack = length - sum(widths) - (k + 1)
        cuts = sorted(rnd.randint(0, slack) for _ in range(k))
        sequence = []
        for _ in range(length):
            sequence.append(rnd.randrange(4))
        position = 1
        label = [0] * len(pwms)
        for j, m in enumerate(chosen):
            start = position + cuts[j] - (cuts[j - 1] if j else 0)
            for column in library[m]:
                r, letter, acc = rnd.random(), 0, column[0]
                while letter < 3 and r >= acc:
                    letter += 1
                    acc += column[letter]
                sequence[start] = letter
                start += 1
            position = start + 1
            label[m % len(pwms)] = 1
        sequences.append(sequence)
        labels.append(label)
    return np.array(sequences, dtype=np.uint8), np.array(labels, dtype=np.uint8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", type=int, default=25_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    pwms = synthetic.ground_truth_pwms()  # loaded once, outside both timings

    vectorised = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        data = synthetic.generate(args.sequences, seed=0, pwms=pwms)
        vectorised.append(time.perf_counter() - start)
    start = time.perf_counter()
    base_x, base_y = baseline_generate(args.sequences, 200, 0, pwms, synthetic.PAPER_COUNT_PROBS)
    baseline = time.perf_counter() - start
    assert base_x.shape == data.sequences.shape and base_y.shape == data.labels.shape
    best = min(vectorised)
    print(f"| generator ({args.sequences:,} x 200 nt) | seconds |")
    print("|---|---|")
    print(f"| per-nucleotide Python loop (baseline) | {baseline:.2f} |")
    print(f"| deepmotif_arch.data.synthetic.generate (best of {args.repeats}) | {best:.3f} |")
    print(f"| speed-up | {baseline / best:.0f}x |")


if __name__ == "__main__":
    main()
