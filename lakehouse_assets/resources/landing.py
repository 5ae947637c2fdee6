"""The landing zone: where source systems drop files as `<source>/<YYYY-MM-DD>/<file>`.

Bronze assets, bronze checks and the landing sensor talk to the landing zone only through a
`LandingZone` resource, so the same code runs on a local folder (tests, laptops) and on an S3
bucket (MinIO, AWS). The two implementations differ only in four primitives — list keys under a
prefix, read a byte range, write a file, and name a key the way Spark reads it; every rule about
what counts as a data file and what belongs to which drop lives once, in the base class.
`S3LandingZone` lives in `s3_landing.py`, so a local landing zone never imports dagster-aws.
"""

import json
import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import NamedTuple

from dagster import ConfigurableResource
from pydantic import Field

from lakehouse_assets.contracts import MANIFEST_FILE_NAME
from lakehouse_assets.transforms.bronze_files import IGNORED, ByteReader, LandedFile, classify_name, spark_file_uri


class LandedObject(NamedTuple):
    """A file found under the landing root, as the sensor sees it (no content read)."""

    key: str  # relative to the root: <source>/<YYYY-MM-DD>/<name>
    source: str
    day: date | None  # None when the key is outside the <source>/<YYYY-MM-DD>/<name> layout
    size: int
    fingerprint: str  # changes when the content may have changed (size + mtime, or an etag)


class _Listed(NamedTuple):
    key: str  # relative to the root
    size: int
    fingerprint: str
    problem: str | None = None  # why the entry is not a readable file (a broken link, ...)


class ManifestError(ValueError):
    """A drop's manifest cannot be used; the message names the file and what to fix."""


class LandingZone(ConfigurableResource):
    """Drops under `<source>/<YYYY-MM-DD>/<file>`; subclasses say where the keys live."""

    # --- what an implementation provides -------------------------------------------------------
    @property
    def location(self) -> str:
        """The root as a person would type it (a folder or s3://bucket/prefix)."""
        raise NotImplementedError

    def _list(self, prefix: str) -> Iterator[_Listed]:
        """Every object under `prefix` (relative to the root, ending in `/`), sorted by key."""
        raise NotImplementedError

    def _read_range(self, key: str, start: int, length: int) -> bytes:
        raise NotImplementedError

    def _read_text(self, key: str) -> str | None:
        """The whole object as text, or None when it does not exist."""
        raise NotImplementedError

    def _spark_path(self, key: str) -> str:
        """How Spark reads `key`: an absolute local path or an s3a:// URI."""
        raise NotImplementedError

    def _spark_uri(self, key: str) -> str:
        """How Spark's `_metadata.file_path` names `key` (bronze's `_source_file`)."""
        return spark_file_uri(self._spark_path(key))

    def put_file(self, local_path: Path, key: str) -> None:
        """Land a local file under `key`, appearing whole or not at all."""
        raise NotImplementedError

    # --- shared behaviour --------------------------------------------------------------------
    def drop_location(self, source: str, day: date) -> str:
        return f"{self.location.rstrip('/')}/{source}/{day.isoformat()}/"

    def byte_reader(self) -> ByteReader:
        return ByteReader(self._read_range)

    def list_entries(self, source: str, day: date) -> list[tuple[LandedFile, str | None]]:
        """Every entry under one (source, day) drop folder, with why it is not a readable file (or None)."""
        prefix = f"{source}/{day.isoformat()}/"
        root = self.location.rstrip("/")
        return [
            (
                LandedFile(
                    key=listed.key,
                    name=listed.key[len(prefix) :],
                    path=self._spark_path(listed.key),
                    uri=self._spark_uri(listed.key),
                    location=f"{root}/{listed.key}",
                    source=source,
                    day=day,
                    size=listed.size,
                    fingerprint=listed.fingerprint,
                ),
                listed.problem,
            )
            for listed in self._list(prefix)
        ]

    def read_manifest(self, source: str, day: date) -> dict | None:
        """The generator's manifest of a drop, or None for drops delivered without one."""
        key = f"{source}/{day.isoformat()}/{MANIFEST_FILE_NAME}"
        try:
            text = self._read_text(key)
            if text is None:
                return None
            manifest = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ManifestError(
                f"Manifest {self.location.rstrip('/')}/{key} is not valid JSON ({exc}); fix or remove it."
            ) from exc
        records = manifest.get("records") if isinstance(manifest, dict) else None
        if not isinstance(records, int) or isinstance(records, bool) or records < 0:
            raise ManifestError(
                f"Manifest {self.location.rstrip('/')}/{key} has no whole-number 'records' field "
                f"(found {records!r}); it should say how many records the drop's files hold."
            )
        return manifest

    def scan(self, source: str) -> Iterator[LandedObject]:
        """Every data file under `<root>/<source>/`, lazily, without reading contents.

        Files deeper or shallower than `<source>/<YYYY-MM-DD>/<name>`, or in a folder that is not
        a date, come back with `day=None` so the caller can report them.
        """
        for listed in self._list(f"{source}/"):
            parts = listed.key.split("/")[1:]
            if not parts or _ignored(listed, source):
                continue
            yield LandedObject(listed.key, source, _folder_date(parts), listed.size, listed.fingerprint)


class LocalLandingZone(LandingZone):
    """A landing zone on the local file system (LAKEHOUSE_LANDING_ROOT=/some/folder)."""

    root: str = Field(description="Folder holding <source>/<YYYY-MM-DD>/<file> drops.")

    @property
    def location(self) -> str:
        return self.root

    def drop_folder(self, source: str, day: date) -> Path:
        return Path(self.root) / source / day.isoformat()

    def _list(self, prefix: str) -> Iterator[_Listed]:
        base = Path(self.root) / prefix
        if not base.is_dir():
            return
        entries = []
        # Symbolic links to folders are listed, not followed: a link must not pull another tree in.
        for folder, folders, names in os.walk(base, followlinks=False):
            for name in [*names, *[f for f in folders if os.path.islink(os.path.join(folder, f))]]:
                entries.append(_local_entry(Path(folder) / name, Path(self.root)))
        yield from sorted(entries)

    def _read_range(self, key: str, start: int, length: int) -> bytes:
        with open(Path(self.root) / key, "rb") as handle:
            handle.seek(start)
            return handle.read(length)

    def _read_text(self, key: str) -> str | None:
        path = Path(self.root) / key
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def _spark_path(self, key: str) -> str:
        # Not resolved: a symbolic link is read through, and lineage names the link that landed.
        return os.path.abspath(Path(self.root) / key)

    def put_file(self, local_path: Path, key: str) -> None:
        target = Path(self.root) / key
        target.parent.mkdir(parents=True, exist_ok=True)
        # `.part` files are ignored by the sensor and by bronze, so a half-copied file is never read.
        partial = target.with_name(target.name + ".part")
        shutil.copyfile(local_path, partial)
        partial.replace(target)


def _folder_date(parts: list[str]) -> date | None:
    if len(parts) != 2:
        return None
    try:
        return date.fromisoformat(parts[0])
    except ValueError:
        return None


def _local_entry(path: Path, root: Path) -> _Listed:
    key = path.relative_to(root).as_posix()
    if path.is_symlink() and not path.exists():
        return _Listed(key, 0, "broken-link", f"a symbolic link to {os.readlink(path)}, which does not exist")
    if path.is_dir():
        return _Listed(key, 0, "folder-link", f"a symbolic link to a folder ({os.readlink(path)})")
    if not path.is_file():
        return _Listed(key, 0, "special", "not a regular file (a pipe, socket or device)")
    stat = path.stat()
    return _Listed(key, stat.st_size, f"{stat.st_size}:{stat.st_mtime_ns}")


def _ignored(listed: _Listed, source: str) -> bool:
    """The entry is ignored by a naming rule (what the sensor need not wake up for)."""
    parts = listed.key.split("/")
    entry = LandedFile(
        key=listed.key,
        name="/".join(parts[2:]) or parts[-1],
        path="",
        uri="",
        location=listed.key,
        source=source,
        day=date.min,
        size=listed.size,
        fingerprint=listed.fingerprint,
    )
    return classify_name(entry, listed.problem).outcome == IGNORED
