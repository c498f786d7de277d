#!/usr/bin/env bash
# Download the wheels run_kit.py may need on a GPU machine that cannot reach PyPI
# (Python 3.12, Linux x86_64; torch, transformers and accelerate are assumed present).
# Run where PyPI is reachable, from the repository root; the wheels land in
# benchmarks/gpu/wheels/ (ignored by git; about 45 MiB) and travel with the tree.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python -m pip download --quiet --dest "$here/wheels" --no-deps --only-binary=:all: \
  --python-version 3.12 --implementation cp --abi cp312 --platform manylinux2014_x86_64 \
  --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 \
  "nibabel==5.4.2" "monai==1.6.1" "pydantic==2.14.4" "pydantic-core==2.50.5" \
  "annotated-types==0.8.0" "typing-inspection==0.4.5" "typing-extensions==4.16.0" \
  "rich==15.0.0" "markdown-it-py==4.3.0" "mdurl==0.1.2" "pygments==2.21.0" \
  "scipy==1.17.1" "packaging==26.4"
du -sh "$here/wheels"
