#!/usr/bin/env python3
"""Installs the sample media the analytics tests and the simulator's scenes use, idempotently.

Nothing is downloaded from a model hub or a web site: each file comes out of a Debian package that
`apt-get download` fetches (the package is not installed; only the one file is kept), and its
SHA-256 is checked, so every machine tests on the same bytes. A file already in place with the
right checksum costs nothing. Standard library only: `make setup` runs this before the venv exists.

Usage: python3 scripts/sample_media.py [MEDIA_DIR]   (default: .cache/media in the checkout)
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class DebianFile:
    """One file inside a Debian package, and the checksum it must have."""

    name: str  # the name it gets in the media folder
    package: str
    member: str  # path inside the package's data archive
    sha256: str


FILES = (
    # 768x576, 10 fps, 795 frames: walkers on a campus path, a parked van and car (OpenCV's
    # sample clip, opencv-doc 4.6.0+dfsg-12, BSD/Apache-2.0).
    DebianFile(
        "vtest.avi",
        "opencv-doc",
        "./usr/share/doc/opencv-doc/examples/data/vtest.avi",
        "45cddc9490be69345cbdab64ca583be65987e864ca408038e648db99e10516cf",
    ),
    # 512x600 portrait of Grace Hopper (public domain; matplotlib's sample data, Debian
    # python-matplotlib-data 3.6.3-1): the PyPI matplotlib is not a VMS dependency.
    DebianFile(
        "grace_hopper.jpg",
        "python-matplotlib-data",
        "./usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg",
        "a8ca6d734765703b09728ab47fe59f473d93ae3967fc24c7c0288c3c7adb7130",
    ),
)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _apt(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["apt-get", *args], cwd=cwd, capture_output=True, text=True, check=False)


def _download(package: str, workdir: Path) -> Path:
    """`apt-get download PACKAGE` into `workdir`; refreshes the package lists once on failure."""
    result = _apt("download", package, cwd=workdir)
    if result.returncode != 0:
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True)
        result = _apt("download", package, cwd=workdir)
    if result.returncode != 0:
        raise SystemExit(f"sample-media: apt-get download {package} failed: {result.stderr}")
    (deb,) = workdir.glob(f"{package}_*.deb")
    return deb


def _extract(deb: Path, member: str, target: Path) -> None:
    """Copy one member of the package's data archive to `target` (dpkg-deb reads the .deb)."""
    with subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        with tarfile.open(fileobj=proc.stdout, mode="r|") as archive:
            for info in archive:
                if info.name == member and info.isfile():
                    source = archive.extractfile(info)
                    assert source is not None
                    with target.open("wb") as out:
                        shutil.copyfileobj(source, out)
                    break
            else:
                raise SystemExit(f"sample-media: {member} is not in {deb.name}")
        proc.stdout.read()  # let dpkg-deb finish writing before it is waited for
    if proc.returncode != 0:
        raise SystemExit(f"sample-media: dpkg-deb failed on {deb.name}")


def install(file: DebianFile, media_dir: Path) -> bool:
    """Put `file` in `media_dir` unless it is there already; True when something was fetched."""
    target = media_dir / file.name
    if target.is_file() and sha256(target) == file.sha256:
        return False
    with tempfile.TemporaryDirectory(prefix="sample-media-") as tmp:
        workdir = Path(tmp)
        partial = workdir / file.name
        _extract(_download(file.package, workdir), file.member, partial)
        actual = sha256(partial)
        if actual != file.sha256:
            raise SystemExit(
                f"sample-media: {file.name} from {file.package} has SHA-256 {actual}, "
                f"expected {file.sha256}"
            )
        shutil.move(partial, target)
    return True


def main(argv: list[str]) -> int:
    media_dir = Path(argv[1]) if len(argv) > 1 else REPO / ".cache" / "media"
    media_dir.mkdir(parents=True, exist_ok=True)
    for file in FILES:
        if install(file, media_dir):
            print(f"sample-media: installed {media_dir / file.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
