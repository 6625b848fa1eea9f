"""Demand service: product families, customer segments, demand history and demand plans."""
