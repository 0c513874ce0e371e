"""The registry's modules hold no doctests, and its models import only once Django is configured (the suite is
tests/registry): keep pytest's doctest collection out of this package."""

collect_ignore_glob = ["*.py"]
