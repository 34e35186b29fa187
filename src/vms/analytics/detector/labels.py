"""Label files: one class name per line, line 1 being class 0 (SSD's 1-based ids: see ssd.py)."""

from __future__ import annotations

from pathlib import Path


def read_labels(path: Path) -> tuple[str, ...]:
    """The names in `path`, in order; trailing blank lines are ignored, inner ones kept (a gap
    in a model's ids, as in TF's 90-id COCO map, is a blank or placeholder line)."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    if not lines:
        raise ValueError(f"{path}: no labels in the file")
    return tuple(lines)


def label_of(labels: tuple[str, ...], index: int) -> str:
    """The name of class `index`, or `class<index>` when the file is shorter than the model."""
    return labels[index] if 0 <= index < len(labels) and labels[index] else f"class{index}"
