"""The paper's reproduction: the Table 1 sweep, its summaries, figures and releases.

Owns :mod:`~deepmotif_arch.paper.experiment` (planning, running and summarising the
sweep of every Table 1 model over trials), :mod:`~deepmotif_arch.paper.figures`,
:mod:`~deepmotif_arch.paper.release` (the best trial of each model as a released
checkpoint with its model card) and :mod:`~deepmotif_arch.paper.activations` (the
follow-up on first-layer activations). The top of the stack below the command line:
it may import every other room, and nothing but :mod:`deepmotif_arch.cli` imports it.
"""
