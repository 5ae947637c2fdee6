"""A corpus of realistic and hostile landing files, each with the outcome bronze and silver owe it.

`hostile.land_corpus` writes one day of it, `reference.expected_records` reads a loaded text file
independently of the lakehouse, `outcomes.classify_entry` decides an entry's outcome from the spec.
Pure Python: nothing here starts Spark.
"""
