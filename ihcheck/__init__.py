"""`python -m ihcheck`: the same command line as the `ihcheck` script (checker.shell.cli)."""
