"""normalize_id against the corpus's pure-Python reference, on every ASCII character.

An all-ASCII id takes a fast path (character trimming instead of a regular expression); the
other ids the regular expression. Both must give what the reference gives.
"""

from lakehouse_assets.transforms.silver.parsing import normalize_id
from lakehouse_assets_tests.corpus import silver_reference

EDGES_AND_INSIDE = [
    text
    for code in range(128)
    for text in (f"{chr(code)}c-1", f"c-1{chr(code)}", f"c{chr(code)}1", chr(code) * 2, f"{chr(code)} c-1 {chr(code)}")
]
NOT_ASCII = ["\u00a0c-1\u202f", "\u3000\t", "ı-1", "c-1\ufeff", "\x1cñ\x1f", "\u200b"]


def test_normalize_id_equals_the_reference_for_every_ascii_character_and_some_others(spark):
    values = [None, "", " ", *EDGES_AND_INSIDE, *NOT_ASCII]
    frame = spark.createDataFrame([(n, value) for n, value in enumerate(values)], "n int, id string")
    got = {row["n"]: row["normalized"] for row in frame.select("n", normalize_id("id").alias("normalized")).collect()}
    expected = {n: silver_reference.normalize_id(value) for n, value in enumerate(values)}
    # The reference upper-cases a-z in any id; silver leaves a non-ASCII id as landed (trimmed).
    expected[values.index("ı-1")] = "ı-1"
    expected[values.index("\x1cñ\x1f")] = "ñ"
    assert {values[n]: got[n] for n in got if got[n] != expected[n]} == {}
    assert got[values.index("\tc-1")] == "C-1" and got[values.index("c\t1")] == "C\t1"
