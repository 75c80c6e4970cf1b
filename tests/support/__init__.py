"""Test helpers shared across test folders: real software counterparts, not mocks."""
