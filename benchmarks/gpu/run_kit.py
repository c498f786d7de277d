"""GPU measurement kit: PETAR-4B generation and a GREEN-size judge, random weights, no downloads.

Part 1 builds PETAR-4B (LaMed-Phi-3, shapes of the released config: 3.8B language model, 3D ViT
towers, spatial-pooling projector) with random bfloat16 weights on the GPU, and runs the
synthetic demo's test split through preprocessing (``petar-release``, in DataLoader workers,
lesions grouped by exam, pinned memory) and greedy generation with a KV cache at batch 1, 8,
32, the split's size, and the largest batch that fits in GPU memory (projected from the peak
memory of the two largest batches measured, then run on the demo's lesions repeated; halved
while it does not fit). The number of new tokens is fixed (no stop token: random weights
would stop anywhere): 128 and 256. Printed per setting: lesions/s, generated tokens/s, peak GPU
memory, the fraction of wall time the model waited for input, and the projected wall time for
1,175 lesions (the PETAR test split; target 120 s). When the installed petar-bench has a
`demo-full` dataset, its test split runs too, at the largest batch, 256 tokens.

Part 2 builds a GREEN-size judge (Llama-2-7B shape, random bfloat16 weights) and runs
transformers' batched ``generate`` with a fixed answer length, each batch size with a static
KV cache and with the default dynamic one (the GPU run decides which helps), printing
judgements/s against upstream's ~2.2 s per sample (target: 10x).

Prompts are pseudo-tokenised (no tokenizer travels: ~1 token per 4 characters of the
release's question, ids drawn from the vocabulary); lengths, not words, set the cost.

    python benchmarks/gpu/run_kit.py [--json results.json]   # on the GPU machine, < 8 min
    python benchmarks/gpu/run_kit.py --dry-run               # tiny sizes on CPU (CI)

Packages the machine lacks are installed from benchmarks/gpu/wheels/ (see README.md) into
benchmarks/gpu/.site/; anything still missing stops the kit with one line.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
WHEELS = HERE / "wheels"
SITE = HERE / ".site"
PETAR_TEST_LESIONS = 1175
TARGET_SPLIT_S = 120.0  # the PETAR test split on one H200
UPSTREAM_JUDGE_S = 2.2  # GREEN's own pipeline, seconds per sample
MAX_BATCH = 1024  # the largest-batch search never goes beyond this
NEEDED = ("numpy", "torch", "transformers", "scipy", "nibabel", "monai", "pydantic", "rich")
# import name -> the wheels it needs beyond torch and numpy (installed with --no-deps)
DISTRIBUTIONS = {
    "scipy": ["scipy"],
    "nibabel": ["nibabel", "packaging"],
    "monai": ["monai"],
    "pydantic": [
        "pydantic",
        "pydantic-core",
        "annotated-types",
        "typing-inspection",
        "typing-extensions",
    ],
    "rich": ["rich", "markdown-it-py", "mdurl", "pygments"],
}


def fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


def _missing() -> list[str]:
    import importlib.util

    return [name for name in NEEDED if importlib.util.find_spec(name) is None]


def bootstrap() -> None:
    """Make the project and its pure-Python dependencies importable, or stop in one line."""
    if SITE.is_dir():
        sys.path.insert(0, str(SITE))
    missing = _missing()
    if missing and any(WHEELS.glob("*.whl")):
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps"]
        command += ["--find-links", str(WHEELS), "--target", str(SITE), "--upgrade"]
        command += sorted({d for m in missing for d in DISTRIBUTIONS.get(m, [m])})
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["pip failed"])[-1]
            fail(f"cannot install {', '.join(missing)} from {WHEELS}: {last}")
        sys.path.insert(0, str(SITE))
        import importlib

        importlib.invalidate_caches()
        missing = _missing()
    if missing:
        fail(
            f"missing Python packages: {', '.join(missing)} (put their wheels in {WHEELS}: "
            "see benchmarks/gpu/README.md)"
        )
    sys.path.insert(0, str(ROOT))
    import petar_bench

    try:
        import petar_bench.baselines  # noqa: F401  # installed: the namespace is mapped
    except ModuleNotFoundError:  # plain checkout: map baselines/ (and metrics/) by hand
        petar_bench.__path__.append(str(ROOT))


@dataclass
class GenRow:
    batch: int
    new_tokens: int
    cache: str
    lesions: int
    seconds: float
    lesions_per_s: float
    tokens_per_s: float
    peak_gpu_gib: float
    wait_fraction: float
    wait_fraction_after_first: float
    projected_s_1175: float


@dataclass
class JudgeRow:
    batch: int
    prompt_tokens: int
    answer_tokens: int
    cache: str
    judgements: int
    seconds: float
    judgements_per_s: float
    peak_gpu_gib: float


@dataclass
class Report:
    machine: dict[str, Any]
    generation: list[GenRow] = field(default_factory=list)
    judge: list[JudgeRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- input: exam-grouped workers


class PreparedLesions:
    """Map-style dataset: record index -> (index, six float tensors), preprocessed in the
    process that loads it, with that process's exam cache (so each exam's whole-body stage
    runs once: `exam_shards` sends whole exams to one worker)."""

    def __init__(
        self, root: Path, records: list[Any], size: tuple[int, int, int], half: bool = False
    ) -> None:
        self.root = root
        self.half = half
        self.records = records
        self.size = size
        self._loader: Any = None
        self._cache: Any = None

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, index: int) -> tuple[int, dict[str, Any]]:
        import torch

        from petar_bench.volumes._lesion import VolumeLoader
        from petar_bench.volumes.exam_cache import ExamCache
        from petar_bench.volumes.petar_release import preprocess_petar_release

        if self._loader is None:
            self._loader = VolumeLoader(self.root, cache_exams=2)
            self._cache = ExamCache(max_exams=2)
        record = self.records[index]
        lesion = self._loader.load(record)
        x = preprocess_petar_release(
            lesion,
            cache=self._cache,
            exam_key=f"{record.patient_id}/{record.exam_id}",
            size=self.size,
        )
        views = {
            "image": x.pet,
            "mask": x.mask,
            "ct": x.ct,
            "image_focal": x.pet_focal,
            "mask_focal": x.mask_focal,
            "ct_focal": x.ct_focal,
        }
        dtype = torch.bfloat16 if self.half else torch.float32  # halves what workers send
        return index, {k: torch.from_numpy(v).to(dtype) for k, v in views.items()}

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_loader": None, "_cache": None}


def collate(items: list[tuple[int, dict[str, Any]]]) -> tuple[list[int], dict[str, Any]]:
    import torch

    keys = items[0][1].keys()
    return [i for i, _ in items], {k: torch.stack([v[k] for _, v in items]) for k in keys}


def batches(dataset: PreparedLesions, batch: int, workers: int, pin: bool) -> Any:
    from torch.utils.data import DataLoader

    from petar_bench.engine._dataloading import exam_order, exam_shards

    groups = exam_order(dataset.records)
    if workers == 0:
        order = [i for g in groups for i in g]
        return (
            collate([dataset[i] for i in order[s : s + batch]]) for s in range(0, len(order), batch)
        )
    return iter(
        DataLoader(
            exam_shards(dataset, groups),
            batch_size=batch,
            num_workers=min(workers, len(groups)),
            collate_fn=collate,
            pin_memory=pin,
            prefetch_factor=2,
            persistent_workers=False,
        )
    )


# ---------------------------------------------------------------- PETAR-4B


def largest_batch(rows: list[GenRow], total_gib: float, ceiling: int = MAX_BATCH) -> int | None:
    """The batch whose peak memory reaches 90% of the GPU's, on the straight line through the
    peaks of the two largest batches measured (weights and workspace, plus per-sequence
    activations and KV cache); None when that line does not rise or reaches no larger batch."""
    peaks = sorted({r.batch: r.peak_gpu_gib for r in rows}.items())
    if len(peaks) < 2 or total_gib <= 0:
        return None
    (b1, p1), (b2, p2) = peaks[-2:]
    per_sequence = (p2 - p1) / (b2 - b1)
    if per_sequence <= 0:
        return None
    fits = int((0.9 * total_gib - (p2 - per_sequence * b2)) / per_sequence)
    best = min(ceiling, fits)
    return best if best > b2 else None


def cycled(items: list[Any], n: int) -> list[Any]:
    """`items` repeated to length n (more lesions than the split, for a larger batch)."""
    if not items:
        return []
    return (items * (n // len(items) + 1))[:n]


def petar_config(dry_run: bool) -> dict[str, Any]:
    if dry_run:
        from petar_bench.baselines.lamed.tiny import tiny_config

        config = tiny_config(200, image_size=(8, 32, 32), kind="petar")
        config["eos_token_id"] = config["pad_token_id"] = 3
        return config
    path = ROOT / "tests" / "data" / "lamed" / "petar4b_config_reconstructed.json"
    return json.loads(path.read_text(encoding="utf-8"))


def build_petar(config: dict[str, Any], device: str, dtype: Any) -> Any:
    import torch

    from petar_bench.baselines.lamed._model import LamedPhi3ForCausalLM, make_config

    torch.manual_seed(0)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            model = LamedPhi3ForCausalLM(make_config(config))
    finally:
        torch.set_default_dtype(previous)
    return model.eval()


def prompt_rows(records: list[Any], config: dict[str, Any], image_tokens: int) -> list[list[int]]:
    """BOS, the image placeholders, then ~len(text)/4 ids per the release's question."""
    import random

    from petar_bench.baselines.lamed._prompts import petar_policy

    policy = petar_policy(None, None)
    vocab = int(config["vocab_size"])
    rng = random.Random(0)
    rows = []
    for record in records:
        n = max(1, len(policy.for_sample(record.sample_id)) // 4)
        rows.append(
            [1] + [vocab - 2] * image_tokens + [rng.randrange(4, vocab - 20) for _ in range(n)]
        )
    return rows


def run_generation(
    model: Any,
    dataset: PreparedLesions,
    rows: list[list[int]],
    batch: int,
    new_tokens: int,
    lesions: int,
    workers: int,
    device: str,
    dtype: Any,
    pad_id: int,
    cache: str = "dynamic",
) -> GenRow:
    import torch

    from petar_bench.baselines.lamed._generation import greedy_generate

    subset = PreparedLesions(dataset.root, dataset.records[:lesions], dataset.size, dataset.half)
    cuda = device.startswith("cuda")
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    waits: list[float] = []
    produced = done = 0
    start = time.perf_counter()
    feed = batches(subset, batch, workers, pin=cuda)
    while True:
        asked = time.perf_counter()
        try:
            indices, volumes = next(feed)
        except StopIteration:
            break
        waits.append(time.perf_counter() - asked)
        with torch.inference_mode():
            t = {k: v.to(device, dtype, non_blocking=True) for k, v in volumes.items()}
            focal = (t["image_focal"], t["mask_focal"], t["ct_focal"])
            features = model.encode_images(t["image"], t["mask"], t["ct"], focal=focal)
            out = greedy_generate(
                model,
                [rows[i] for i in indices],
                features,
                max_new_tokens=new_tokens,
                eos_ids=set(),
                pad_id=pad_id,
                static_cache=cache == "static",
            )
        if cuda:
            torch.cuda.synchronize()
        produced += sum(len(t) for t in out.tokens)
        done += len(indices)
    seconds = time.perf_counter() - start
    if produced != done * new_tokens:
        raise RuntimeError(f"expected {done * new_tokens} tokens, got {produced}")
    peak = torch.cuda.max_memory_allocated() / 2**30 if cuda else 0.0
    rest = seconds - waits[0]
    return GenRow(
        batch=batch,
        new_tokens=new_tokens,
        cache=cache,
        lesions=done,
        seconds=seconds,
        lesions_per_s=done / seconds,
        tokens_per_s=produced / seconds,
        peak_gpu_gib=peak,
        wait_fraction=sum(waits) / seconds,
        wait_fraction_after_first=sum(waits[1:]) / rest if rest > 0 else 0.0,
        projected_s_1175=PETAR_TEST_LESIONS * seconds / done,
    )


# ---------------------------------------------------------------- GREEN-size judge


def judge_config(dry_run: bool) -> Any:
    from transformers import LlamaConfig

    if dry_run:
        return LlamaConfig(
            vocab_size=256,
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=4,
            max_position_embeddings=512,
            pad_token_id=0,
            bos_token_id=1,
            eos_token_id=2,
        )
    return LlamaConfig(  # Llama-2-7B, the size of GREEN-RadLlama2-7b
        vocab_size=32000,
        hidden_size=4096,
        intermediate_size=11008,
        num_hidden_layers=32,
        num_attention_heads=32,
        num_key_value_heads=32,
        max_position_embeddings=4096,
        rms_norm_eps=1e-5,
        pad_token_id=0,
        bos_token_id=1,
        eos_token_id=2,
    )


def judge_inputs(n: int, prompt_tokens: int, vocab: int, gen: Any, device: str) -> tuple[Any, Any]:
    """Left-padded random prompts; GREEN prompts differ in length (reference + candidate):
    75-100% of the nominal length."""
    import torch

    lengths = torch.randint(prompt_tokens * 3 // 4, prompt_tokens + 1, (n,), generator=gen)
    ids = torch.zeros((n, prompt_tokens), dtype=torch.long)
    mask = torch.zeros_like(ids)
    for r, length in enumerate(lengths.tolist()):
        ids[r, prompt_tokens - length :] = torch.randint(3, vocab, (length,), generator=gen)
        mask[r, prompt_tokens - length :] = 1
    return ids.to(device), mask.to(device)


def run_judge(
    model: Any,
    batch: int,
    prompt_tokens: int,
    answer_tokens: int,
    count: int,
    device: str,
    *,
    cache: str = "static",
) -> JudgeRow:
    """One untimed warm-up batch (a static cache may compile for its shape), then `count`
    judgements timed. `cache`: "static" (transformers' StaticCache: fixed shapes, no
    re-allocation per step) or "dynamic" (the default cache)."""
    import torch

    cuda = device.startswith("cuda")
    gen = torch.Generator().manual_seed(batch)
    state = {"cache": cache}

    def once(n: int) -> None:
        ids, mask = judge_inputs(n, prompt_tokens, model.config.vocab_size, gen, device)
        kwargs = dict(
            input_ids=ids,
            attention_mask=mask,
            do_sample=False,
            pad_token_id=0,
            max_new_tokens=answer_tokens,
            min_new_tokens=answer_tokens,
        )
        with torch.inference_mode():
            if state["cache"] != "static":
                out = model.generate(**kwargs)
            else:
                try:
                    out = model.generate(**kwargs, cache_implementation="static")
                except (TypeError, ValueError):  # an older transformers without one
                    state["cache"] = "dynamic (static unsupported)"
                    out = model.generate(**kwargs)
        if out.shape[1] - prompt_tokens != answer_tokens:
            raise RuntimeError(f"judge wrote {out.shape[1] - prompt_tokens} tokens")

    once(batch)
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    done = 0
    start = time.perf_counter()
    while done < count:
        n = min(batch, count - done)
        once(n)
        done += n
    if cuda:
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    peak = torch.cuda.max_memory_allocated() / 2**30 if cuda else 0.0
    return JudgeRow(
        batch, prompt_tokens, answer_tokens, state["cache"], done, seconds, done / seconds, peak
    )


# ---------------------------------------------------------------- main


def shared_memory_gib() -> float:
    import shutil

    try:
        return shutil.disk_usage("/dev/shm").free / 2**30
    except OSError:
        return 0.0


def machine(device: str) -> dict[str, Any]:
    import torch
    import transformers

    info = {
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "cpus": os.cpu_count(),
        "device": device,
    }
    if device.startswith("cuda"):
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def dataset(dry_run: bool, tmp: Path) -> tuple[Path, list[Any]]:
    from petar_bench.datasets._catalog import ensure_demo
    from petar_bench.datasets.synthetic import generate_synthetic_dataset

    if dry_run:
        manifest = generate_synthetic_dataset(tmp / "demo", seed=0, n_patients=4)
        records = manifest.records  # 4 patients are all train: any lesions will do
        return tmp / "demo", records[:3]
    handle = ensure_demo()
    return handle.root, handle.manifest.split("test")


def print_generation(row: GenRow) -> None:
    verdict = "ok" if row.projected_s_1175 <= TARGET_SPLIT_S else "over"
    print(
        f"  batch {row.batch:>4}  new {row.new_tokens:>3}  {row.cache:<7}  "
        f"lesions {row.lesions:>4}  "
        f"{row.lesions_per_s:7.2f} lesions/s  {row.tokens_per_s:8.0f} tok/s  "
        f"peak {row.peak_gpu_gib:6.1f} GiB  waits {row.wait_fraction:5.1%} "
        f"(after 1st batch {row.wait_fraction_after_first:5.1%})  "
        f"1,175 lesions in {row.projected_s_1175:7.0f} s "
        f"(target {TARGET_SPLIT_S:.0f} s: {verdict})",
        flush=True,
    )


def print_judge(row: JudgeRow) -> None:
    each = 1 / row.judgements_per_s
    print(
        f"  batch {row.batch:>3}  cache {row.cache:<8} {row.judgements_per_s:7.2f} judgements/s "
        f"({each:.3f} s each; {UPSTREAM_JUDGE_S / each:.1f}x upstream's ~{UPSTREAM_JUDGE_S} s, "
        f"target 10x)  peak {row.peak_gpu_gib:6.1f} GiB",
        flush=True,
    )


def _measure(
    args: argparse.Namespace,
    report: Report,
    setting: dict[str, Any],
    batch: int,
    new: int,
    lesions: int,
    data: PreparedLesions,
    rows: list[list[int]],
    cache: str = "dynamic",
) -> GenRow | None:
    """One generation setting; None (and a note) when it does not fit in GPU memory."""
    import torch

    try:
        row = run_generation(
            setting["model"],
            data,
            rows,
            batch,
            new,
            lesions,
            args.workers,
            setting["device"],
            setting["dtype"],
            setting["pad_id"],
            cache,
        )
    except torch.cuda.OutOfMemoryError:
        report.notes.append(f"batch {batch} with {new} new tokens ({cache} cache) does not fit")
        torch.cuda.empty_cache()
        return None
    report.generation.append(row)
    print_generation(row)
    return row


def _largest(
    args: argparse.Namespace,
    report: Report,
    setting: dict[str, Any],
    new: int,
    measured: list[GenRow],
    data: PreparedLesions,
    rows: list[list[int]],
) -> int | None:
    """Run the largest batch that fits (projected, then halved towards the largest batch
    measured while it runs out of memory); its size, or None."""
    import torch

    if not setting["device"].startswith("cuda"):
        report.notes.append("largest batch that fits: measured on a GPU only")
        return None
    total = torch.cuda.get_device_properties(0).total_memory / 2**30
    batch = largest_batch(measured, total)
    floor = max(r.batch for r in measured)
    while batch is not None and batch > floor:
        if time.perf_counter() - setting["started"] > args.generation_budget_s:
            report.notes.append(f"generation budget spent: largest batch ({batch}) not run")
            return None
        big = PreparedLesions(data.root, cycled(data.records, batch), data.size, data.half)
        if _measure(args, report, setting, batch, new, batch, big, cycled(rows, batch)):
            return batch
        batch = (batch + floor) // 2
    return None


def _full_split(
    args: argparse.Namespace, report: Report, setting: dict[str, Any], batch: int
) -> None:
    """`demo-full` (when this petar-bench has it): its test split at `batch`, 256 tokens."""
    from petar_bench import registry

    for name in args.datasets:
        if name == "demo":
            continue
        if args.dry_run or name not in {e.name for e in registry.datasets.entries()}:
            report.notes.append(f"dataset {name!r}: not available here; skipped")
            continue
        handle = registry.datasets.create(name)
        records = handle.manifest.split("test")
        data = PreparedLesions(handle.root, records, setting["size"], half=True)
        rows = prompt_rows(records, setting["config"], setting["image_tokens"])
        print(f"{name}: {len(records)} test lesions, batch {batch}, 256 new tokens", flush=True)
        budget_end = time.perf_counter() + args.full_budget_s
        lesions = len(records)
        if args.full_budget_s <= 0:
            report.notes.append(f"dataset {name!r}: --full-budget-s 0; skipped")
            continue
        # as many lesions as the budget allows, at the demo's rate for this batch
        rate = max((r.lesions_per_s for r in report.generation if r.batch == batch), default=0)
        if rate > 0:
            lesions = min(lesions, max(batch, int(rate * (budget_end - time.perf_counter()))))
        _measure(args, report, setting, batch, 256, lesions, data, rows)


def part_generation(args: argparse.Namespace, report: Report, device: str, tmp: Path) -> None:
    import torch

    from petar_bench.baselines.lamed._config import geometry_from_config

    dtype = torch.float32 if args.dry_run else torch.bfloat16
    root, records = dataset(args.dry_run, tmp)
    config = petar_config(args.dry_run)
    geometry = geometry_from_config(config)
    model = build_petar(config, device, dtype)
    size = tuple(geometry.image_size)
    data = PreparedLesions(root, records, size, half=not args.dry_run)
    rows = prompt_rows(records, config, geometry.num_image_tokens)
    n = len(records)
    params = sum(p.numel() for p in model.parameters()) / 1e9
    print(
        f"PETAR-4B: {params:.2f}B parameters, {dtype}, input {size}, {n} test lesions", flush=True
    )
    setting = {
        "model": model,
        "device": device,
        "dtype": dtype,
        "pad_id": int(config["pad_token_id"]),
        "size": size,
        "config": config,
        "image_tokens": geometry.num_image_tokens,
        "started": time.perf_counter(),
    }
    sizes = sorted({b for b in (*args.batches, n) if b <= n})
    tokens = (4,) if args.dry_run else args.new_tokens
    largest: int | None = None
    for new in tokens:
        measured = []
        for b in sizes:
            if time.perf_counter() - setting["started"] > args.generation_budget_s:
                report.notes.append(f"generation budget spent: skipped batch {b}, {new} tokens")
                continue
            lesions = n if args.dry_run else min(n, max(2 * b, args.min_lesions))
            for cache in args.petar_caches:  # side by side: the GPU run decides
                row = _measure(args, report, setting, b, new, lesions, data, rows, cache)
                if row is not None and cache == args.petar_caches[0]:
                    measured.append(row)
        largest = _largest(args, report, setting, new, measured, data, rows) or largest
    fitted = [r.batch for r in report.generation]
    _full_split(args, report, setting, largest or max(fitted, default=1))
    del model, setting
    if device.startswith("cuda"):
        torch.cuda.empty_cache()


def part_judge(args: argparse.Namespace, report: Report, device: str) -> None:
    import torch
    from transformers import LlamaForCausalLM

    dtype = torch.float32 if args.dry_run else torch.bfloat16
    torch.manual_seed(0)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            judge = LlamaForCausalLM(judge_config(args.dry_run)).eval()
    finally:
        torch.set_default_dtype(previous)
    prompt, answer = (
        (16, 4) if args.dry_run else (args.judge_prompt_tokens, args.judge_answer_tokens)
    )
    print(
        f"GREEN-size judge: {sum(p.numel() for p in judge.parameters()) / 1e9:.2f}B parameters, "
        f"prompt <= {prompt}, answer {answer} tokens",
        flush=True,
    )
    started = time.perf_counter()
    for b in (2,) if args.dry_run else args.judge_batches:
        for cache in args.judge_caches:
            if time.perf_counter() - started > args.judge_budget_s:
                report.notes.append(f"judge budget spent: skipped batch {b} ({cache} cache)")
                continue
            count = b * (1 if args.dry_run else 2)
            try:
                row = run_judge(judge, b, prompt, answer, count, device, cache=cache)
            except torch.cuda.OutOfMemoryError:
                report.notes.append(f"judge batch {b} ({cache} cache) does not fit")
                torch.cuda.empty_cache()
                continue
            report.judge.append(row)
            print_judge(row)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="tiny sizes on CPU (for CI)")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument(
        "--batches",
        type=int,
        nargs="+",
        default=[1, 8, 32],
        help="generation batch sizes (the split's size is always added)",
    )
    parser.add_argument(
        "--new-tokens",
        type=int,
        nargs="+",
        default=[128, 256],
        help="fixed numbers of generated tokens",
    )
    parser.add_argument(
        "--min-lesions",
        type=int,
        default=4,
        help="lesions per setting at least (2 batches, at most the split)",
    )
    parser.add_argument("--workers", type=int, default=8, help="DataLoader workers")
    parser.add_argument(
        "--generation-budget-s",
        type=float,
        default=210,
        help="no new generation setting starts after this many seconds",
    )
    parser.add_argument(
        "--petar-caches",
        nargs="+",
        choices=["dynamic", "static"],
        default=["dynamic", "static"],
        help="PETAR-4B KV caches, each measured at each setting (the first for the largest batch)",
    )
    parser.add_argument(
        "--datasets",
        nargs="+",
        default=["demo", "demo-full"],
        help="'demo' and larger synthetic splits to run at the largest batch (when installed)",
    )
    parser.add_argument(
        "--full-budget-s",
        type=float,
        default=45,
        help="seconds for each larger split (as many lesions as fit in them)",
    )
    parser.add_argument(
        "--judge-batches", type=int, nargs="+", default=[1, 16, 64], help="judge batch sizes"
    )
    parser.add_argument(
        "--judge-caches",
        nargs="+",
        choices=["static", "dynamic"],
        default=["static", "dynamic"],
        help="KV caches the judge is measured with (each batch size with each)",
    )
    parser.add_argument(
        "--judge-budget-s",
        type=float,
        default=120,
        help="no new judge setting starts after this many seconds",
    )
    parser.add_argument(
        "--judge-prompt-tokens", type=int, default=512, help="longest judge prompt (tokens)"
    )
    parser.add_argument(
        "--judge-answer-tokens", type=int, default=256, help="judge answer length (tokens)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> Report:
    args = parse(argv)
    bootstrap()
    import torch

    if args.dry_run:
        device = "cpu"
        args.workers = min(args.workers, 2)
    elif not torch.cuda.is_available():
        fail("no CUDA device; use --dry-run for the CPU check")
    else:
        device = "cuda"
    report = Report(machine=machine(device))
    if not args.dry_run and args.workers > 0 and shared_memory_gib() < 16:
        report.notes.append(
            f"/dev/shm has {shared_memory_gib():.1f} GiB free: preprocessing in the main "
            "process (workers would pass ~24 MB per lesion through it)"
        )
        args.workers = 0
    print(json.dumps(report.machine), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        part_generation(args, report, device, Path(tmp))
    part_judge(args, report, device)
    for note in report.notes:
        print(f"note: {note}")
    if args.json:
        args.json.write_text(json.dumps(asdict(report), indent=2) + "\n", encoding="utf-8")
    return report


if __name__ == "__main__":
    try:
        main()
    except Exception as exc:  # a project UserError (or any failure) in one line
        if type(exc).__name__ != "UserError":
            raise
        fail(str(exc))
