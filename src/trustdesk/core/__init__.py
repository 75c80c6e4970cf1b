"""Shared kernel: errors, clock, ids. Standard library only."""
