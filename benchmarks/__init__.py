"""Scripts that print figures (README "Benchmarks"); a package so that the red team's modules import each other."""
