"""Datasets of the angle teacher's decisions: generate, save, load (npz, csv, parquet)."""

from .dataset import FEATURES, FORMATS, LABELS, DatasetSpec, generate, load, tf_dataset

__all__ = ["FEATURES", "FORMATS", "LABELS", "DatasetSpec", "generate", "load", "tf_dataset"]
