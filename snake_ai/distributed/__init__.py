"""Distributed evaluation and training on a Ray cluster (``snake-ai evolve --backend ray``)."""
