"""The landing zone: where source systems drop files as `<source>/<YYYY-MM-DD>/<file>`.

Bronze assets and checks talk to the landing zone only through this resource, so a second
implementation (an S3 bucket) can stand behind the same methods.
"""

import json
from datetime import date
from pathlib import Path
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
            if entry.name.startswith(IGNORED_FILE_PREFIXES) or not entry.is_file():
                continue
            size = entry.stat().st_size
            if size == 0:
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
