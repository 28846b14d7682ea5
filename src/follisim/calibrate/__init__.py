"""Fitting model parameters to data."""
