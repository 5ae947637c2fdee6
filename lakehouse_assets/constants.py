"""Layer names: each is the asset key prefix, the Dagster group and the folder under LAKEHOUSE_ROOT."""

BRONZE = "bronze"
SILVER = "silver"
GOLD = "gold"
LAYERS: tuple[str, ...] = (BRONZE, SILVER, GOLD)

# Dagster kinds shown on every table asset in the UI.
TABLE_KINDS: set[str] = {"spark", "delta"}
