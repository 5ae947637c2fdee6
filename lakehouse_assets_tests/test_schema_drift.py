"""Schema drift across days, through bronze and silver with real Spark and Delta.

The corpus: a column added to the landing files (day 2), a contract column removed (day 3), a
Parquet column widened from int32 to int64 (days 4 and 5), and a value whose type is incompatible
with the contract (day 5). Bronze keeps every record as landed; silver takes the new column only
once its contract declares it. Type conflicts on the tables themselves (the IO manager's refusal,
naming table, column and both types) are tested in resources/test_io_manager.py.
"""

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from dagster import AssetKey, AssetSelection, materialize

from lakehouse_assets.contracts import CONTRACT_COLUMNS, SILVER_DECLARED_COLUMNS
from lakehouse_assets_tests.support import LAYERS, check_results, customer, land_day, product, range_tags, transaction

ALL = [*LAYERS.bronze, LAYERS.silver, *LAYERS.bronze_checks, *LAYERS.silver_checks]


def write_csv(folder, name, columns, records):
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / name, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(records)


def land_drifting_days(root) -> None:
    days = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"]
    for day in days:
        land_day(root, day, [customer("C1", "2024-01-01")], [product("P1", "2024-01-01")])
    tx = root / "transactions"
    contract = CONTRACT_COLUMNS["transactions"]
    write_csv(tx / "2024-01-01", "t.csv", contract, [transaction("T1", "2024-01-01")])
    # Day 2: the source added a column.
    write_csv(
        tx / "2024-01-02",
        "t.csv",
        [*contract, "coupon_code"],
        [{**transaction("T2", "2024-01-02"), "coupon_code": "WINTER10"}],
    )
    # Day 3: the source dropped a contract column.
    write_csv(tx / "2024-01-03", "t.csv", [c for c in contract if c != "channel"], [transaction("T3", "2024-01-03")])

    def parquet(path, record, quantity_type):
        columns = {name: [value] for name, value in record.items()}
        columns["quantity"] = pa.array([int(record["quantity"])], quantity_type)
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table(columns), path)

    # Days 4 and 5: quantity arrives as int32, then widened to int64; day 5 also brings a value
    # whose type is incompatible with the contract (quantity "two").
    parquet(tx / "2024-01-04" / "t.parquet", transaction("T4", "2024-01-04"), pa.int32())
    parquet(tx / "2024-01-05" / "t.parquet", transaction("T5", "2024-01-05"), pa.int64())
    write_csv(tx / "2024-01-05", "u.csv", contract, [{**transaction("T6", "2024-01-05"), "quantity": "two"}])


def test_schema_drift_flows_into_bronze_and_reaches_silver_only_when_declared(
    spark, resources, instance, landing_root, table_root, monkeypatch
):
    land_drifting_days(Path(landing_root))
    for start, end, warned in (
        ("2024-01-01", "2024-01-02", []),
        # T6 alone is half of day 5: the quarantine-rate check warns (not blocking).
        ("2024-01-04", "2024-01-05", [("silver/transactions", "rule_failure_rates")]),
    ):
        result = materialize(ALL, resources=resources, instance=instance, tags=range_tags(start, end))
        assert result.success
        # A range run records each check over the range and on each day; the warning is on all three.
        assert set(check_results(result, failed=True)) == set(warned)
    # Pipeline metrics of the last run (days 4-5: T4, T5, and T6 which is quarantined).
    silver_metadata = {
        (m.asset_key.to_user_string(), m.partition): m.metadata
        for m in result.asset_materializations_for_node("silver_layer")
    }
    # Day 5's materialization has day 5's numbers (T5 and the quarantined T6), the range's are under run_.
    transactions = silver_metadata[("silver/transactions", "2024-01-05")]
    assert (
        transactions["rows_in"].value,
        transactions["rows_quarantined"].value,
        transactions["rows_written"].value,
        transactions["quarantine_rate"].value,
    ) == (2, 1, 1, 0.5)
    assert (
        transactions["run_rows_in"].value,
        transactions["run_rows_quarantined"].value,
        transactions["run_rows_written"].value,
        transactions["run_quarantine_rate"].value,
    ) == (3, 1, 2, 0.3333)
    assert transactions["run_compute_and_write_seconds"].value > 0
    assert (
        silver_metadata[("silver/quarantine", "2024-01-05")]["run_bronze_rows_in"].value == 7
    )  # 3 transactions + 2 customers + 2 products
    # A dropped contract column: contract_columns_present warns, naming the column, without
    # blocking; the day's record flows and silver quarantines it for the missing value (T3 is all
    # of the day, so the quarantine-rate check warns too).
    dropped = materialize(ALL, resources=resources, instance=instance, partition_key="2024-01-03", raise_on_error=False)
    failed = check_results(dropped, failed=True)
    assert dropped.success
    assert sorted(failed) == [
        ("bronze/transactions", "contract_columns_present"),
        ("silver/transactions", "rule_failure_rates"),
    ]
    assert "channel" in str(failed[("bronze/transactions", "contract_columns_present")].metadata)
    assert "2024-01-03" in instance.get_materialized_partitions(AssetKey(["silver", "transactions"]))

    bronze = spark.read.format("delta").load(f"{table_root}/bronze/transactions")
    rows = {r.transaction_id: r for r in bronze.collect()}
    assert sorted(rows) == ["T1", "T2", "T3", "T4", "T5", "T6"]  # every landed record, nothing broke
    assert rows["T2"]._rescued_data == '{"coupon_code":"WINTER10"}'  # the new column, as landed
    assert rows["T3"].channel is None  # the removed column
    assert (rows["T4"].quantity, rows["T5"].quantity, rows["T6"].quantity) == ("2", "2", "two")  # int32, int64, text
    assert "coupon_code" not in bronze.columns

    silver = spark.read.format("delta").load(f"{table_root}/silver/transactions")
    assert "coupon_code" not in silver.columns  # not declared: silver does not know it
    assert sorted(r.transaction_id for r in silver.collect()) == ["T1", "T2", "T4", "T5"]
    quarantine = spark.read.format("delta").load(f"{table_root}/silver/quarantine").where("source = 'transactions'")
    assert sorted((r.business_key, list(r.failed_rules)) for r in quarantine.collect()) == [
        ("T3", ["channel_present"]),
        ("T6", ["quantity_is_integer"]),
    ]

    # The contract now declares the column: re-materializing silver adds it, filled where it landed.
    monkeypatch.setitem(SILVER_DECLARED_COLUMNS, "transactions", {"coupon_code": "string"})
    again = materialize(
        ALL,
        resources=resources,
        instance=instance,
        tags=range_tags("2024-01-01", "2024-01-02"),
        selection=AssetSelection.groups("silver"),
    )
    assert again.success and all(e.passed for e in again.get_asset_check_evaluations())
    silver = spark.read.format("delta").load(f"{table_root}/silver/transactions")
    assert sorted((r.transaction_id, r.coupon_code) for r in silver.collect()) == [
        ("T1", None),
        ("T2", "WINTER10"),
        ("T4", None),
        ("T5", None),
    ]
    silver_metadata = again.asset_materializations_for_node("silver_layer")
    added = {m.asset_key.to_user_string(): m.metadata.get("added_columns") for m in silver_metadata}
    assert added["silver/transactions"].value == "coupon_code"
