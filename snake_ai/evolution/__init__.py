"""Genetic algorithms over network architectures and weights, with resumable run directories."""

from .config import EvolveConfig, GenomeSpace
from .genome import Genome

__all__ = ["EvolveConfig", "Genome", "GenomeSpace"]
