"""koo_invivo: DeepSEA's training bundle truncated to the 12 TFs of Koo & Eddy (2019)."""
