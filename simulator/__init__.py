"""Simulated internet-hospital deployments: real containers running real services."""
