"""Fact gathering: transports reach hosts, probes observe them, and judge nothing."""
