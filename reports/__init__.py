"""Evidence and reports: what a hospital hands in and what a regulator verifies."""
