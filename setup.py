from setuptools import find_packages, setup

setup(
    name="lakehouse_assets",
    version="0.1.0",
    description="A Bronze/Silver/Gold lakehouse as Dagster software-defined assets on PySpark + Delta Lake.",
    packages=find_packages(exclude=["lakehouse_assets_tests", "lakehouse_assets_tests.*"]),
    python_requires=">=3.11,<3.12",
    install_requires=[
        # Dagster core and its integrations ship as one release (1.x.y <-> 0.(x+16).y); unpinned,
        # pip resolves 2021-era integrations that fail to import.
        "dagster==1.13.27",
        "dagster-webserver==1.13.27",
        "dagster-pyspark==0.29.27",
        "dagster-aws==0.29.27",
        # delta-spark 4.4 is built for Spark 4.2.0; 4.4.0 is the newest whose jars
        # (io.delta:delta-spark_4.2_2.13) are on Maven Central. Pinned with and without the
        # `connect` extra, which pandera[pyspark] asks for: pip resolves `pyspark` and
        # `pyspark[connect]` as two requirements, and one left unpinned made it download newer
        # pyspark source archives (450 MB each) before backtracking to this version.
        "pyspark==4.2.0",
        "pyspark[connect]==4.2.0",
        "delta-spark==4.4.0",
        # pandera.pyspark breaks with pandas 3 under pyspark 4.2.
        "pandas>=2.2,<3",
        "pandera[pyspark]==0.35.0",
        "pyarrow>=15",
        "numpy>=1.26",
        "faker>=30",
        "pydantic>=2.6,<3",
    ],
    extras_require={
        # The docker-compose deployment keeps Dagster's storage in Postgres.
        "deploy": ["dagster-postgres==0.29.27"],
        # The monitoring dashboard (lakehouse dashboard): reads the Delta tables with delta-rs, no JVM.
        "dashboard": ["streamlit>=1.40", "altair>=5", "deltalake==1.6.6"],
        # bench/run.py: psutil samples the driver's and the JVM's memory; matplotlib draws scaling.png;
        # bench/peer_pipeline.py (the DuckDB peer) computes with duckdb and writes Delta with deltalake.
        "bench": ["matplotlib>=3.8", "psutil>=5.9", "duckdb>=1.1", "deltalake==1.6.6"],
        # Tests: moto's server mode is the S3-compatible server the S3 tests start on 127.0.0.1;
        # dagster-postgres validates the compose deployment's dagster.yaml; Playwright drives
        # Debian's /usr/bin/chromium in the browser tests (its own browser downloads are not used);
        # the dashboard's and the benchmark's packages, so their tests and smoke run too.
        "dev": [
            "pytest>=8",
            # Lint and format check, run by .ci/run before the tests (settings in pyproject.toml).
            "ruff==0.14.14",
            "deltalake==1.6.6",
            "moto[server]>=5.1",
            "dagster-postgres==0.29.27",
            "playwright>=1.48",
            "streamlit>=1.40",
            "altair>=5",
            "matplotlib>=3.8",
            "psutil>=5.9",
            "duckdb>=1.1",
        ],
    },
    entry_points={"console_scripts": ["lakehouse=lakehouse_assets.cli:main"]},
)
