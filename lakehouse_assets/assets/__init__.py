from lakehouse_assets.internals.dagster import silence_deliberate_previews

silence_deliberate_previews()

