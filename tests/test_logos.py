"""Sequence logos: letter heights, grids, titles and the files they are saved to."""

from __future__ import annotations

import numpy as np
import pytest

from deepmotif_arch.base.errors import DeepMotifError
from deepmotif_arch.data import synthetic
from deepmotif_arch.interpretation import logos
from deepmotif_arch.interpretation.filters import align_activations
from deepmotif_arch.motifs.meme import information_content

MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF-", "svg": b"<?xml"}


def test_information_matrix_heights():
    ppm = np.array([[1.0, 0, 0, 0], [0.25, 0.25, 0.25, 0.25], [0.5, 0.5, 0, 0],
                    [0.7, 0.1, 0.1, 0.1]])
    heights = logos.information_matrix(ppm)
    np.testing.assert_allclose(heights.sum(axis=1), information_content(ppm))
    np.testing.assert_allclose(heights[0], [2, 0, 0, 0])
    np.testing.assert_allclose(heights[1], 0)
    np.testing.assert_allclose(heights[2], [0.5, 0.5, 0, 0])
    # heights share the column's information in proportion to the probabilities
    np.testing.assert_allclose(heights[3] / heights[3].sum(), ppm[3])


def test_logo_draws_every_letter_at_its_height():
    from matplotlib.figure import Figure

    ppm = np.array([[0.7, 0.1, 0.1, 0.1], [0.0, 0.0, 1.0, 0.0], [0.4, 0.3, 0.2, 0.1]])
    fig = Figure()
    ax = fig.add_subplot()
    logos.draw_logo(ax, ppm, title="x")
    # logomaker stacks one glyph per letter and position: each patch spans its height
    tops = sorted(round(p.get_path().get_extents().height, 6) for p in ax.patches
                  if p.get_path().get_extents().height > 1e-9)
    expected = sorted(round(v, 6) for v in logos.information_matrix(ppm).ravel() if v > 1e-9)
    assert len(tops) == len(expected)
    np.testing.assert_allclose(tops, expected, atol=0.02)  # glyph outlines, not boxes
    assert ax.get_ylim() == (0, 2) and ax.get_title(loc="left") == "x"


@pytest.mark.parametrize("fmt", ["png", "pdf", "svg"])
def test_save_figure_formats_and_atomicity(tmp_path, fmt):
    fig = logos.logo_figure(synthetic.ground_truth_pwms()[0], "Arid3a")
    path = logos.save_figure(fig, tmp_path / "sub" / f"logo.{fmt}")
    assert path.read_bytes().startswith(MAGIC[fmt])
    assert [p.name for p in path.parent.iterdir()] == [f"logo.{fmt}"]  # no temporary left


def test_save_figure_refuses_other_formats(tmp_path):
    fig = logos.logo_figure(np.full((5, 4), 0.25))
    with pytest.raises(DeepMotifError, match=r"'logo\.jpg'; use a \.png, \.pdf or \.svg"):
        logos.save_figure(fig, tmp_path / "logo.jpg")
    assert list(tmp_path.iterdir()) == []


def test_figures_stay_out_of_pyplot():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    logos.logo_grid([np.full((4, 4), 0.25)] * 3, ["a", "b", "c"])
    logos.ground_truth_figure()
    assert plt.get_fignums() == before


def _pwms_with_a_silent_filter():
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 4, (20, 40)).astype(np.uint8)
    acts = rng.random((20, 40, 3)).astype(np.float32)
    acts[:, :, 2] = 0
    return align_activations(codes, acts, window=7, offset=-3)


def test_grid_has_a_panel_per_filter_and_names_silent_ones():
    pwms = _pwms_with_a_silent_filter()
    titles, colors, notes = logos.filter_titles(pwms)
    assert titles[2] == "f2 silent" and "never active" in notes[2]
    assert titles[0].startswith("f0 (") and "sites" in titles[0]
    matrices = [pwms.ppm(i) if pwms.sites[i] else None for i in range(pwms.num_filters)]
    fig = logos.logo_grid(matrices, titles, colors=colors, notes=notes, suptitle="t")
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 3
    assert [ax.get_title(loc="left") for ax in visible] == titles
    assert not visible[2].patches and any("never active" in t.get_text()
                                          for t in visible[2].texts)


@pytest.mark.parametrize(("n", "ncols"), [(3, 3), (30, 5), (128, 8)])
def test_grid_layout_scales(n, ncols):
    from deepmotif_arch.interpretation.logos import _columns

    assert _columns(n) == ncols
    assert ncols * -(-n // ncols) >= n


def test_titles_name_the_best_relevant_match():
    from deepmotif_arch.interpretation.motif_stats import FilterMatch, MatchReport
    from deepmotif_arch.motifs.tomtom import TomtomMatch

    pwms = _pwms_with_a_silent_filter()

    def hit(target, e):
        return TomtomMatch("filter0", target, 0, e / 519, e, e, 5, "A", "A", "+")

    rows = [
        FilterMatch(0, "filter0", 10, None, 7, "AAAAAAA",
                    hits=(hit("MA0004.1", 1e-6), hit("MA0083.3", 1e-3))),
        FilterMatch(1, "filter1", 10, None, 7, "AAAAAAA"),
        FilterMatch(2, "filter2", 0, "never active", 0, ""),
    ]
    report = MatchReport(rows, "test", target_names={"MA0004.1": "Arnt", "MA0083.3": "SRF"})
    titles, colors, _ = logos.filter_titles(pwms, report)
    assert titles[0] == "f0 SRF MA0083.3 E=0.001"   # the ground-truth TF wins over Arnt
    assert titles[1] == "f1 no match" and titles[2] == "f2 silent"
    assert colors[0] != colors[1]


def test_ground_truth_figure_shows_both_strands():
    fig = logos.ground_truth_figure()
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 2 * len(synthetic.CLASS_NAMES)
    titles = [ax.get_title(loc="left") for ax in visible]
    for name, jid in zip(synthetic.CLASS_NAMES, synthetic.JASPAR_IDS):
        assert f"{name} {jid} (+)" in titles
        assert f"{name} {jid} (reverse complement)" in titles
