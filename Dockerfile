# One image for the three Dagster services of docker-compose.yml (user-code, webserver, daemon):
# they must run the same Dagster version, and runs execute in the user-code container.

# bookworm, not the floating `slim` tag: trixie no longer ships openjdk-17.
FROM python:3.11-slim-bookworm

# Spark 4 runs on Java 17. The JVM folder name carries the CPU architecture
# (java-17-openjdk-amd64 / -arm64), so JAVA_HOME points at an architecture-free link to it.
RUN apt-get update \
    && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
    && rm -rf /var/lib/apt/lists/* \
    && ln -s "$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")" /usr/lib/jvm/java-17

ENV JAVA_HOME=/usr/lib/jvm/java-17 \
    DAGSTER_HOME=/opt/dagster/dagster_home \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --gid 10001 dagster \
    && useradd --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin dagster

WORKDIR /opt/dagster/app

# Dependencies get their own layer, keyed on setup.py alone, so a code change does not reinstall
# PySpark and Dagster. The empty package only satisfies find_packages();
# the real one replaces it below.
COPY setup.py ./
RUN mkdir lakehouse_assets \
    && touch lakehouse_assets/__init__.py \
    && pip install ".[deploy]" \
    && rm -rf lakehouse_assets build lakehouse_assets.egg-info

# A SparkSession creates spark-warehouse/ in its working directory, so /opt/dagster/app is writable
# by `dagster` (the code in it stays root-owned). The storage folder exists in the image, owned by
# `dagster`, because Docker initialises a new named volume from the folder it is mounted over.
COPY lakehouse_assets ./lakehouse_assets
RUN pip install --no-deps . \
    && rm -rf build lakehouse_assets.egg-info \
    && mkdir -p "$DAGSTER_HOME/storage" \
    && chown dagster:dagster "$DAGSTER_HOME/storage" /opt/dagster/app

USER dagster

# The Delta and hadoop-aws jars go into this user's Ivy cache (~/.ivy2.5.2) at build time: a run
# then starts without reaching Maven Central, and every container starts from the same jars. This
# layer follows the code, so the BuildKit cache mount keeps a copy of the cache between builds:
# without it every code change would download the ~690 MB AWS SDK bundle again.
RUN --mount=type=cache,target=/tmp/ivy-cache,uid=10001,gid=10001 \
    mkdir -p /home/dagster/.ivy2.5.2 \
    && cp -a /tmp/ivy-cache/. /home/dagster/.ivy2.5.2/ \
    && lakehouse fetch-jars \
    && cp -a /home/dagster/.ivy2.5.2/. /tmp/ivy-cache/

COPY deploy/dagster.yaml $DAGSTER_HOME/dagster.yaml
COPY deploy/workspace.yaml $DAGSTER_HOME/workspace.yaml
