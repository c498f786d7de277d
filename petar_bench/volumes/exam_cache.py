"""A small LRU cache for the whole-body stage of a preprocessing profile.

Lesions of one exam share PET and CT, so the expensive part of preprocessing (head crop,
resampling, crop/pad, intensity windows) is done once per exam and reused; only the mask and
the per-lesion steps are redone. An exam is recognised by

- a caller-provided exam key (e.g. the record's exam_id) plus shapes, dtypes and an affine
  hash, or, without one,
- a content fingerprint of the PET and CT arrays (BLAKE2b of their bytes, ~1 GB/s, so a few
  tens of ms per exam against seconds of preprocessing). It is remembered per array object
  (``id()`` checked through a weak reference, so a recycled id never matches), and it still
  matches when lesions arrive as separate copies, e.g. unpickled from DataLoader workers.
  A remembered array is made read-only: a digest kept by identity would go stale if the array
  were changed in place, so such a change raises instead of returning the old exam's result.
  An array that cannot be locked (a view of writable memory) is hashed on every call.
"""

from __future__ import annotations

import hashlib
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar, cast

import numpy as np

T = TypeVar("T")

_MAX_REMEMBERED_FINGERPRINTS = 16


def array_signature(*arrays: np.ndarray) -> tuple:
    """Shapes and dtypes: cheap facts that must agree for two inputs to be the same exam."""
    return tuple((tuple(a.shape), a.dtype.str) for a in arrays)


def affine_hash(affine: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(affine, dtype=np.float64).tobytes()).hexdigest()[:16]


def _content_digest(array: np.ndarray) -> str:
    # Hash the memory as laid out (F-ordered NIfTI data hashes via its C-ordered transpose);
    # the layout is part of the digest, so equal arrays in other layouts merely miss.
    layout = "F" if array.flags.f_contiguous and not array.flags.c_contiguous else "C"
    flat = array.T if layout == "F" else np.ascontiguousarray(array)
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{layout}{array.shape}{array.dtype.str}".encode())
    digest.update(flat.reshape(-1).view(np.uint8).data)
    return digest.hexdigest()


def _writable(array: np.ndarray) -> bool:
    """True when `array`'s memory can change through it or through an array it views."""
    node: object = array
    while isinstance(node, np.ndarray):
        if node.flags.writeable:
            return True
        node = node.base
    return False


def _lock(array: np.ndarray) -> bool:
    """Make `array` read-only; False when its memory stays writable through a base array."""
    if array.flags.writeable and array.base is None:
        array.flags.writeable = False
    return not _writable(array)


class ExamCache:
    """Keeps the whole-body results of the `max_exams` most recently used exams."""

    def __init__(self, max_exams: int = 2) -> None:
        if max_exams < 1:
            raise ValueError("max_exams must be at least 1")
        self.max_exams = max_exams
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._digests: OrderedDict[int, tuple[weakref.ref, str]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()
        self._digests.clear()

    def fingerprint(self, array: np.ndarray) -> str:
        """Content digest of `array`, computed once per live array object."""
        known = self._digests.get(id(array))
        if known is not None and known[0]() is array and not _writable(array):
            return known[1]
        digest = _content_digest(array)
        if _lock(array):
            self._digests[id(array)] = (weakref.ref(array), digest)
        while len(self._digests) > _MAX_REMEMBERED_FINGERPRINTS:
            self._digests.popitem(last=False)
        return digest

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value for `key`, or `compute()` stored under it (least recent evicted)."""
        if key in self._entries:
            self._entries.move_to_end(key)
            self.hits += 1
            return cast(T, self._entries[key])
        self.misses += 1
        value = compute()
        self._entries[key] = value
        while len(self._entries) > self.max_exams:
            self._entries.popitem(last=False)
        return value
