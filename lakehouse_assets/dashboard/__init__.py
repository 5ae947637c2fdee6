"""The monitoring dashboard (`lakehouse dashboard`, extra `[dashboard]`): Streamlit over delta-rs, no JVM."""
