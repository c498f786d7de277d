"""Volume I/O and preprocessing: NIfTI in, validated arrays out."""

from petar_bench.volumes._lesion import LesionInput, VolumeLoader

__all__ = ["LesionInput", "VolumeLoader"]
