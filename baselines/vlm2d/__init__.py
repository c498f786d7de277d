"""2D vision-language baselines: lesion views into transformers image-text-to-text models.

`presets.py` holds the paper's 2D models as data; `adapters.py` registers one generic
adapter per preset; `runtime.py` (torch) loads and decodes; `tiny.py` writes tiny random
checkpoints of each model family for tests.
"""
