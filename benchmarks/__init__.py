"""Benchmarks of the endpoint (not tests): ``make bench`` runs :mod:`benchmarks.run`."""
