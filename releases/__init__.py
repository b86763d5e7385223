"""The released checkpoints, shipped as package data (``deepmotif_arch.releases``).

``koo_synthetic/`` holds the best trial of every Table 1 model as a plain ``.keras``
file, its model card, ``SHA256SUMS`` and ``index.json``, as ``deepmotif experiment
release`` wrote them. The wheel installs this folder as ``deepmotif_arch/releases/``;
:mod:`deepmotif_arch.zoo.pretrained` finds it with :mod:`importlib.resources`.
"""
