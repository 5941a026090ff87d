"""Screens of the review TUI."""
