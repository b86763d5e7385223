"""The ``deepmotif`` command line (installed as ``deepmotif_arch.cli``)."""
