"""Delta Lake beyond reading and writing tables: the Spark settings of every session, time travel and
restore, and table maintenance. Importing this package loads neither Dagster nor pyspark."""
