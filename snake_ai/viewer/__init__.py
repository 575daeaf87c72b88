"""Viewing games: frame drawing (numpy), the pygame window and recordings."""
