"""Shared building blocks used by every domain area."""
