"""TFDS dataset builders of deepmotif-arch (installed as ``deepmotif_arch.tfds_builders``).

One folder per dataset, as TFDS expects. The synthetic (``koo_synthetic``) and in
vivo (``koo_invivo``) builders are added by their own issues.
"""
