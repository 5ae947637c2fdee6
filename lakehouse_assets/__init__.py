"""A Bronze/Silver/Gold lakehouse as Dagster software-defined assets on PySpark + Delta Lake.

Importing the package loads nothing else: the one `Definitions` object lives in
`lakehouse_assets.definitions` (what `workspace.yaml` and `dagster -m` load), so the generator and
`lakehouse --help` start without Dagster, pyspark or a settings check.

The tree is the architecture:
- `settings`, `contracts`, `rules`, `constants`: the environment, the data contracts, silver's rules;
- `transforms/`: pure PySpark per layer (no Dagster); `assets/` and `checks/`: thin Dagster wrappers;
- `resources/`: Spark, the landing zone, the Delta IO manager; `tables`: where every table lives;
- `orchestration/`: partitions, jobs, schedules, sensors, automation conditions;
- `delta/`: Spark settings, time travel, restore and maintenance of the Delta tables;
- `cli/`: the `lakehouse` command; `generator/`: test data; `dashboard/`: the monitoring app.
"""
