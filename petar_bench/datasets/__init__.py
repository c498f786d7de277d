"""Datasets: the synthetic demo and imported real data, as manifests of lesion records."""

from petar_bench.datasets._catalog import DatasetHandle, resolve_dataset

__all__ = ["DatasetHandle", "resolve_dataset"]
