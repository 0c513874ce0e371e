"""ihcheck's rule catalogue and evaluation: pure functions from facts to findings."""

__version__ = "0.1.0"
