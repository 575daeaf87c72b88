"""Viewing games: frame drawing (numpy), the pygame window, grids of agents, watching runs live or generation by generation, episodes and recordings."""
