"""Concurrent writers of one Delta table: which failures are collisions worth retrying, and how long
to wait before the next attempt.

Two runs may write one table at once (two `dagster asset materialize` commands, or a raised run
limit). Delta's optimistic concurrency lets writes to different partitions commit side by side and
refuses the later of two conflicting commits with a `DeltaConcurrentModificationException`
subclass (SQLSTATE 2D521). The IO manager's writes replace exactly their slice (replaceWhere), so
repeating a refused write is idempotent: it is retried, after a jittered backoff so the two writers
do not collide again. Two runs creating a new table at once is a collision too: the loser finds the
winner's table, or its half-created log, instead of an empty location.
"""

import json
import random
import re

from py4j.protocol import Py4JJavaError
from pyspark.errors import PySparkException
from pyspark.sql import SparkSession

from lakehouse_assets.internals.delta import list_folders, read_small_file

MAX_WRITE_ATTEMPTS = 5
FIRST_BACKOFF_SECONDS = 0.5

# Delta's commit conflicts, by Java class (their error conditions are DELTA_CONCURRENT_APPEND and
# the like, below). ConcurrentTransactionException (two streams on one checkpoint) cannot come from
# this IO manager's writes; it is listed because a retry is equally safe for it.
_CONFLICT_CLASSES = {
    "ConcurrentAppendException",
    "ConcurrentDeleteReadException",
    "ConcurrentDeleteDeleteException",
    "ConcurrentTransactionException",
    "ConcurrentWriteException",
    "MetadataChangedException",
    "ProtocolChangedException",
}
_CONFLICT_CONDITIONS = ("DELTA_CONCURRENT_", "DELTA_METADATA_CHANGED", "DELTA_PROTOCOL_CHANGED")

# What creating a table reports when the location is not empty: DeltaTable.create says the table
# exists (even for files that are not a table); Delta's own commit path may say the location is not
# empty. Another writer's table or half-created log is recognised by its `_delta_log`.
_LOCATION_TAKEN_CONDITIONS = {
    "TABLE_OR_VIEW_ALREADY_EXISTS",
    "DELTA_TABLE_ALREADY_EXISTS",
    "DELTA_CREATE_TABLE_WITH_NON_EMPTY_LOCATION",
    # createIfNotExists's answer on a log without commits; kept in case create gives it too.
    "DELTA_TABLE_NOT_FOUND",
}
_CONDITION_IN_MESSAGE = re.compile(r"^\[([A-Z0-9_.]+)\]")


class ConcurrentWriteError(RuntimeError):
    """Other writers kept committing to the table slice a run writes, through every retry."""


def _java_class(exc: Py4JJavaError) -> str:
    return exc.java_exception.getClass().getName()


def describe(exc: PySparkException | Py4JJavaError) -> str:
    """`ConcurrentAppendException [DELTA_CONCURRENT_APPEND.WITH_PARTITION_HINT]`, for logs and errors."""
    if isinstance(exc, Py4JJavaError):
        return _java_class(exc).rsplit(".", 1)[-1]
    condition = _condition(exc)
    return f"{type(exc).__name__} [{condition}]" if condition else type(exc).__name__


def _condition(exc: PySparkException) -> str:
    # delta.exceptions' classes carry no condition (getCondition() is None); their message starts with it.
    match = _CONDITION_IN_MESSAGE.match(str(exc))
    return exc.getCondition() or (match.group(1) if match else "")


def write_conflict(exc: BaseException) -> str | None:
    """The conflict `exc` reports, when it is Delta refusing a commit because another writer's commit
    came first (retrying is then safe); None for any other failure."""
    if isinstance(exc, Py4JJavaError):
        return describe(exc) if describe(exc) in _CONFLICT_CLASSES else None
    if isinstance(exc, PySparkException):
        # delta.exceptions converts the Java exceptions into Python classes of the same names; the
        # condition also covers one that reaches Python without that conversion.
        if type(exc).__name__ in _CONFLICT_CLASSES or _condition(exc).startswith(_CONFLICT_CONDITIONS):
            return describe(exc)
    return None


def lost_create_race(spark: SparkSession, uri: str, exc: BaseException) -> str | None:
    """The collision `exc` reports, when creating the table at `uri` failed because another writer
    created it first; None for any other failure.

    A location that is not empty for another reason (files that are not a Delta table) is not a
    race: it has no `_delta_log`, and its error is the one to show.
    """
    if not isinstance(exc, PySparkException) or _condition(exc) not in _LOCATION_TAKEN_CONDITIONS:
        return None
    return describe(exc) if "_delta_log" in list_folders(spark, uri) else None


def backoff_seconds(attempt: int) -> float:
    """How long to wait after failed attempt `attempt` (1-based): ~0.5, 1, 2, 4 s, each within ±50%
    so two writers that collided do not retry in step."""
    return FIRST_BACKOFF_SECONDS * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)


def first_write_after_creation_is_blind_append(spark: SparkSession, uri: str) -> bool:
    """Whether the table's version 1, the commit after its creation, is a blind append.

    The IO manager appends only the first slice of a table it has just created, and only the
    writer whose creation committed does so; every other write of it replaces a slice. So a blind
    append at version 1 is that first write, with nothing committed between the two. Read from the
    commit's log file on the driver (no Spark job); a missing or unreadable commitInfo answers no.
    """
    text = read_small_file(spark, f"{uri.rstrip('/')}/_delta_log/{1:020d}.json") or ""
    # Split on "\n" only: one action per line, and statistics may hold U+2028 (see delta/commits.py).
    for line in text.split("\n"):
        if line.strip():
            action = json.loads(line)
            if "commitInfo" in action:
                return action["commitInfo"].get("isBlindAppend") is True
    return False
