"""The landing zone: where source systems drop files as `<source>/<YYYY-MM-DD>/<file>`.

Bronze assets and checks talk to the landing zone only through this resource, so a second
implementation (an S3 bucket) can stand behind the same methods.
"""

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import NamedTuple
from dagster import ConfigurableResource
from pydantic import Field

from lakehouse_assets.contracts import IGNORED_FILE_PREFIXES, MANIFEST_FILE_NAME, LandingFile

FORMAT_BY_EXTENSION: dict[str, str] = {
    ".csv": "csv",
    ".json": "json",
    ".jsonl": "json",
    ".ndjson": "json",
    ".parquet": "parquet",
}


# Writers' partial files: never data, whatever their extension.
PARTIAL_MARKERS: tuple[str, ...] = ("_tmp", ".tmp", ".part", ".crdownload")


class LandedObject(NamedTuple):
    """A file found under the landing root, as the sensor sees it (no content read)."""

    key: str  # relative to the root: <source>/<YYYY-MM-DD>/<name>
    source: str
    day: date | None  # None when the key is outside the <source>/<YYYY-MM-DD>/<name> layout
    size: int
    fingerprint: str  # changes when the content may have changed (size + mtime, or an etag)


def is_data_file(name: str, size: int) -> bool:
    """Zero-byte, partial (`.part`, `_tmp`) and bookkeeping (`.x`, `_x`) files are not data."""
    lowered = name.lower()
    return size > 0 and not name.startswith(IGNORED_FILE_PREFIXES) and not any(m in lowered for m in PARTIAL_MARKERS)


class UnsupportedLandingFileError(ValueError):
    """A drop holds a file bronze cannot read; refusing it beats silently skipping its records."""


class LocalLandingZone(ConfigurableResource):
    """A landing zone on the local file system (LAKEHOUSE_LANDING_ROOT)."""

    root: str = Field(description="Folder holding <source>/<YYYY-MM-DD>/<file> drops.")

    def drop_folder(self, source: str, day: date) -> Path:
        return Path(self.root) / source / day.isoformat()

    def list_drop(self, source: str, day: date) -> list[LandingFile]:
        """The data files of one (source, day) drop, by name; bookkeeping and empty files left out.

        A zero-byte file holds no record, so leaving it out loses nothing; a file of an unknown
        type might hold records, so it stops the run with a message instead.
        """
        folder = self.drop_folder(source, day)
        if not folder.is_dir():
            return []
        files = []
        for entry in sorted(folder.iterdir()):
            if not entry.is_file():
                continue
            size = entry.stat().st_size
            if not is_data_file(entry.name, size):
                continue
            file_format = FORMAT_BY_EXTENSION.get(entry.suffix.lower())
            if file_format is None:
                raise UnsupportedLandingFileError(
                    f"Landing file {entry} has an unsupported type '{entry.suffix or '(none)'}'. "
                    f"Bronze reads {', '.join(sorted(FORMAT_BY_EXTENSION))}; rename or convert the "
                    "file, or move it out of the drop folder, then re-run this partition."
                )
            files.append(LandingFile(str(entry.resolve()), entry.name, file_format, size, day))
        return files

    def read_first_line(self, file: LandingFile) -> str:
        with open(file.path, encoding="utf-8", errors="replace", newline="") as handle:
            return handle.readline().rstrip("\r\n")

    def read_manifest(self, source: str, day: date) -> dict | None:
        """The generator's manifest of a drop, or None for drops delivered without one."""
        path = self.drop_folder(source, day) / MANIFEST_FILE_NAME
        if not path.is_file():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"Manifest {path} is not valid JSON ({exc}); fix or remove it.") from exc

    def scan(self, source: str) -> Iterator[LandedObject]:
        """Every data file under `<root>/<source>/`, lazily, without reading contents.

        Files deeper or shallower than `<source>/<YYYY-MM-DD>/<name>`, or in a folder that is not
        a date, come back with `day=None` so the caller can report them.
        """
        base = Path(self.root) / source
        if not base.is_dir():
            return
        for path in sorted(base.rglob("*")):
            if not path.is_file():
                continue
            stat = path.stat()
            if not is_data_file(path.name, stat.st_size):
                continue
            relative = path.relative_to(self.root).as_posix()
            parts = path.relative_to(base).parts
            yield LandedObject(relative, source, _folder_date(parts), stat.st_size, f"{stat.st_size}:{stat.st_mtime_ns}")


def _folder_date(parts: tuple[str, ...]) -> date | None:
    if len(parts) != 2:
        return None
    try:
        return date.fromisoformat(parts[0])
    except ValueError:
        return None
