"""`python -m ihcheck`: the same command line as the `ihcheck` script (ihcheck.cli)."""
