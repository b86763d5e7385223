"""koo_synthetic: JASPAR motifs planted in random DNA (Koo & Eddy 2019)."""
