"""Configuration files and result files."""
