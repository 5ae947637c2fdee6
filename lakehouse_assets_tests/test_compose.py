"""The docker compose deployment, checked as files.

No Docker engine runs on the test machines, so nothing here starts a container: the tests parse
docker-compose.yml, the Dockerfile, .env.example and deploy/*.yaml, check that they agree with each
other, and validate the deploy configs against Dagster's own schemas.
"""

import importlib
import re
import shlex
import shutil
from importlib import metadata
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from dagster._config import process_config, resolve_to_config_type
from dagster._core.instance.ref import InstanceRef
from dagster._core.workspace.config_schema import ensure_workspace_config

from lakehouse_assets.settings import Settings

REPO = Path(__file__).resolve().parent.parent
DAGSTER_SERVICES = ("user-code", "webserver", "daemon")
ONE_SHOT_SERVICES = {"minio-init"}
EXPECTED_DEPENDS_ON = {
    "minio": {},
    "minio-init": {"minio": "service_healthy"},
    "postgres": {},
    "user-code": {"minio-init": "service_completed_successfully", "postgres": "service_healthy"},
    "webserver": {"postgres": "service_healthy", "user-code": "service_healthy"},
    "daemon": {"postgres": "service_healthy", "user-code": "service_healthy"},
}
INSTANCE_ENV = (
    "DAGSTER_HOME",
    "DAGSTER_POSTGRES_HOST",
    "DAGSTER_POSTGRES_USER",
    "DAGSTER_POSTGRES_PASSWORD",
    "DAGSTER_POSTGRES_DB",
)
S3_CREDENTIALS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")

# $$ is compose's escape for a literal $; ${NAME...} and $NAME are interpolated from .env.
_REFERENCE = re.compile(
    r"\$\$|\$\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<modifier>[^}]*)\}|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
)


def read_env_file(path: Path) -> dict[str, str]:
    lines = [line.strip() for line in path.read_text().splitlines()]
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def strings_in(node) -> list[str]:
    if isinstance(node, dict):
        return [s for value in node.values() for s in strings_in(value)]
    if isinstance(node, list):
        return [s for item in node for s in strings_in(item)]
    return [node] if isinstance(node, str) else []


def interpolate(text: str, env: dict[str, str]) -> str:
    def substitute(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        return env[match.group("braced") or match.group("bare")]

    return _REFERENCE.sub(substitute, text)


def parse_dockerfile(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    instructions, pending = [], ""
    for line in path.read_text().splitlines():
        if line.strip().startswith("#") or not line.strip():
            continue
        pending += line.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        keyword, _, arguments = pending.strip().partition(" ")
        instructions.append((keyword.upper(), " ".join(arguments.split())))
        pending = ""
    return instructions


def env_assignments(arguments: str) -> dict[str, str]:
    words = shlex.split(arguments)
    if "=" not in words[0]:
        return {words[0]: " ".join(words[1:])}
    return dict(word.split("=", 1) for word in words)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    return read_env_file(REPO / ".env.example")


@pytest.fixture(scope="module")
def service_env(compose, env_example):
    """The environment compose gives a service when .env is a copy of .env.example."""

    def resolve(name: str) -> dict[str, str]:
        environment = compose["services"][name].get("environment", {})
        if isinstance(environment, list):
            environment = dict(item.split("=", 1) for item in environment)
        return {key: interpolate(str(value), env_example) for key, value in environment.items()}

    return resolve


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    return parse_dockerfile(REPO / "Dockerfile")


@pytest.fixture(scope="module")
def dockerfile_env(dockerfile) -> dict[str, str]:
    return {
        k: v for keyword, arguments in dockerfile if keyword == "ENV" for k, v in env_assignments(arguments).items()
    }


def option_value(argv: list[str], option: str) -> str:
    return argv[argv.index(option) + 1]


def copy_destination(dockerfile, dockerfile_env, source: str) -> str:
    """Where the Dockerfile copies `source`, with its ENV variables expanded."""
    [destination] = [
        arguments.split()[-1]
        for keyword, arguments in dockerfile
        if keyword == "COPY" and arguments.split()[0] == source
    ]
    return re.sub(r"\$\{?(\w+)\}?", lambda m: dockerfile_env[m.group(1)], destination)


def test_every_service_has_an_image_or_a_build(compose):
    assert set(compose["services"]) == set(EXPECTED_DEPENDS_ON)
    for name, service in compose["services"].items():
        assert "image" in service or "build" in service, name


def test_the_dagster_services_share_one_build_of_this_dockerfile(compose):
    builds = [compose["services"][name].get("build") for name in DAGSTER_SERVICES]
    assert builds[0] == builds[1] == builds[2] == {"context": ".", "dockerfile": "Dockerfile"}
    assert all("image" not in compose["services"][name] for name in DAGSTER_SERVICES)


def test_dependencies_exist_and_wait_for_the_right_condition(compose):
    services = compose["services"]
    for name, service in services.items():
        depends_on = service.get("depends_on", {})
        assert isinstance(depends_on, dict), f"{name}: the list form of depends_on only waits for a container start"
        assert {target: spec["condition"] for target, spec in depends_on.items()} == EXPECTED_DEPENDS_ON[name], name
        for target, spec in depends_on.items():
            if spec["condition"] == "service_healthy":
                assert "healthcheck" in services[target], f"{name} waits for {target} to be healthy"
            if spec["condition"] == "service_completed_successfully":
                assert target in ONE_SHOT_SERVICES, f"{name} waits for {target} to exit"


def test_every_long_running_service_has_a_healthcheck(compose):
    one_shot = {name for name, service in compose["services"].items() if service.get("restart") == "no"}
    assert one_shot == ONE_SHOT_SERVICES
    for name, service in compose["services"].items():
        if name not in one_shot:
            assert service.get("healthcheck", {}).get("test"), name
            assert not service["healthcheck"].get("disable", False), name
            assert service.get("restart") == "unless-stopped", name


def test_every_named_volume_is_declared_and_used(compose):
    used = set()
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume["source"] if isinstance(volume, dict) else volume.split(":")[0]
            if not source.startswith((".", "/", "~")):
                used.add(source)
    assert used == set(compose.get("volumes") or {}) == {"minio-data", "postgres-data", "dagster-storage"}


def test_every_variable_comes_from_env_example_and_is_required(compose, env_example):
    references = [m for text in strings_in(compose) for m in _REFERENCE.finditer(text) if m.group(0) != "$$"]
    assert {match.group("braced") or match.group("bare") for match in references} == set(env_example)
    for match in references:
        assert match.group("modifier").startswith(":?"), f"{match.group(0)} must fail when unset: ${{NAME:?message}}"


def test_env_example_holds_placeholders_only(env_example):
    secrets = {k: v for k, v in env_example.items() if re.search("PASSWORD|SECRET|TOKEN|KEY", k)}
    assert set(secrets) == {"MINIO_ROOT_PASSWORD", "DAGSTER_POSTGRES_PASSWORD"}
    assert all(value.startswith("change-me-") for value in secrets.values()), secrets
    # A generated key or password is a long unbroken run of letters and digits.
    assert not [v for v in env_example.values() if re.search(r"[A-Za-z0-9+/=]{20,}", v)]
    assert len(env_example["MINIO_ROOT_PASSWORD"]) >= 8, "MinIO refuses root passwords under 8 characters"


def test_the_code_server_gets_the_lakehouse_environment(compose, service_env, env_example):
    env = service_env("user-code")
    assert {key: env[key] for key in env if key.startswith(("LAKEHOUSE_", "AWS_"))} == {
        "LAKEHOUSE_ROOT": "s3a://lakehouse/tables",
        "LAKEHOUSE_LANDING_ROOT": "s3://landing",
        "LAKEHOUSE_SPARK_MASTER": "local[*]",
        "LAKEHOUSE_SENSORS_DEFAULT_STATUS": "running",
        "AWS_ENDPOINT_URL": "http://minio:9000",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": env_example["MINIO_ROOT_USER"],
        "AWS_SECRET_ACCESS_KEY": env_example["MINIO_ROOT_PASSWORD"],
    }
    minio = service_env("minio")
    assert env["AWS_ACCESS_KEY_ID"] == minio["MINIO_ROOT_USER"]
    assert env["AWS_SECRET_ACCESS_KEY"] == minio["MINIO_ROOT_PASSWORD"]
    endpoint = urlparse(env["AWS_ENDPOINT_URL"])
    assert endpoint.hostname in compose["services"] and "127.0.0.1:9000:9000" in compose["services"]["minio"]["ports"]


def test_the_code_server_environment_is_valid_lakehouse_settings(service_env):
    settings = Settings.from_env(service_env("user-code"))
    assert (settings.lakehouse_root, settings.landing_root) == ("s3a://lakehouse/tables", "s3://landing")
    assert (settings.s3_endpoint_url, settings.sensors_running) == ("http://minio:9000", True)


def test_every_dagster_service_reaches_the_same_postgres(compose, service_env):
    postgres = service_env("postgres")
    for name in DAGSTER_SERVICES:
        env = service_env(name)
        assert env["DAGSTER_POSTGRES_HOST"] == "postgres" and "postgres" in compose["services"]
        assert (env["DAGSTER_POSTGRES_USER"], env["DAGSTER_POSTGRES_PASSWORD"], env["DAGSTER_POSTGRES_DB"]) == (
            postgres["POSTGRES_USER"],
            postgres["POSTGRES_PASSWORD"],
            postgres["POSTGRES_DB"],
        ), name


def test_only_the_code_server_holds_the_s3_credentials(service_env):
    for name in ("webserver", "daemon"):
        assert set(service_env(name)) == set(INSTANCE_ENV), name
    assert set(INSTANCE_ENV) | set(S3_CREDENTIALS) <= set(service_env("user-code"))


def test_minio_init_creates_the_buckets_the_lakehouse_uses(compose, service_env):
    script = " ".join(compose["services"]["minio-init"]["command"])
    created = re.findall(r"mc mb --ignore-existing \w+/([a-z0-9.-]+)", script)
    env = service_env("user-code")
    used = {urlparse(env["LAKEHOUSE_ROOT"]).hostname, urlparse(env["LAKEHOUSE_LANDING_ROOT"]).hostname}
    assert sorted(created) == sorted(used) == ["lakehouse", "landing"]


def test_the_workspace_points_at_the_code_server(compose, dockerfile, dockerfile_env):
    path = REPO / "deploy/workspace.yaml"
    workspace = ensure_workspace_config(yaml.safe_load(path.read_text()), str(path))
    [location] = workspace["load_from"]
    server = location["grpc_server"]
    user_code = compose["services"]["user-code"]
    assert server["host"] == "user-code"
    served_on = int(option_value(user_code["command"], "-p"))
    assert server["port"] == served_on == int(option_value(user_code["healthcheck"]["test"], "-p"))
    assert option_value(user_code["command"], "-h") == "0.0.0.0", (
        "the server must accept connections from other containers"
    )
    assert (server["location_name"], option_value(user_code["command"], "-m")) == (
        "lakehouse_assets",
        "lakehouse_assets.definitions",
    )
    copied_to = copy_destination(dockerfile, dockerfile_env, "deploy/workspace.yaml")
    for name in ("webserver", "daemon"):
        assert option_value(compose["services"][name]["command"], "-w") == copied_to, name


@pytest.fixture
def instance_ref(tmp_path) -> InstanceRef:
    shutil.copyfile(REPO / "deploy/dagster.yaml", tmp_path / "dagster.yaml")
    return InstanceRef.from_dir(str(tmp_path))


def processed_config(data) -> tuple[type, dict]:
    """What `ConfigurableClassData.rehydrate` checks, short of constructing the class: constructing
    the storage would connect to Postgres, which the tests do not have."""
    klass = getattr(importlib.import_module(data.module_name), data.class_name)
    result = process_config(resolve_to_config_type(klass.config_type()), data.config_dict)
    assert result.success, (data.module_name, data.class_name, [error.message for error in result.errors])
    return klass, result.value


@pytest.mark.parametrize("service", DAGSTER_SERVICES)
def test_dagster_yaml_is_a_valid_instance_with_the_env_compose_gives(service, instance_ref, service_env, monkeypatch):
    env = service_env(service)
    for key in INSTANCE_ENV:
        monkeypatch.setenv(key, env[key])
    storage, storage_config = processed_config(instance_ref.storage_data)
    assert f"{storage.__module__}.{storage.__name__}" == "dagster_postgres.storage.DagsterPostgresStorage"
    assert storage_config["postgres_db"] == {
        "hostname": "postgres",
        "username": env["DAGSTER_POSTGRES_USER"],
        "password": env["DAGSTER_POSTGRES_PASSWORD"],
        "db_name": env["DAGSTER_POSTGRES_DB"],
        "port": 5432,
        "params": {},
        "scheme": "postgresql",
    }
    for data in (
        instance_ref.run_coordinator_data,
        instance_ref.run_launcher_data,
        instance_ref.compute_logs_data,
        instance_ref.local_artifact_storage_data,
        instance_ref.scheduler_data,
    ):
        processed_config(data)
    assert instance_ref.settings["telemetry"] == {"enabled": False}


def test_runs_are_queued_one_at_a_time(instance_ref):
    coordinator, coordinator_config = processed_config(instance_ref.run_coordinator_data)
    launcher, _ = processed_config(instance_ref.run_launcher_data)
    # Delta's S3 log store is only safe with one writing Spark driver per table at a time.
    assert (coordinator.__name__, coordinator_config["max_concurrent_runs"]) == ("QueuedRunCoordinator", 1)
    assert launcher.__name__ == "DefaultRunLauncher"


def test_compute_logs_live_on_the_volume_every_dagster_service_mounts(compose, instance_ref):
    _, compute_logs_config = processed_config(instance_ref.compute_logs_data)
    for name in DAGSTER_SERVICES:
        assert f"dagster-storage:{compute_logs_config['base_dir']}" in compose["services"][name]["volumes"], name


def test_the_image_runs_spark_and_dagster_as_compose_expects(dockerfile, dockerfile_env, service_env):
    assert dockerfile[0] == ("FROM", "python:3.11-slim-bookworm")
    runs = [arguments for keyword, arguments in dockerfile if keyword == "RUN"]
    assert any(re.search(r"apt-get install .*\bopenjdk-17-jre-headless\b", run) for run in runs)
    assert dockerfile_env["JAVA_HOME"].startswith("/usr/lib/jvm/")
    assert any(re.search(r"""pip install (["']?)\.\[deploy\]\1(\s|$)""", run) for run in runs)
    for name in DAGSTER_SERVICES:
        assert service_env(name)["DAGSTER_HOME"] == dockerfile_env["DAGSTER_HOME"], name
    dagster_yaml = copy_destination(dockerfile, dockerfile_env, "deploy/dagster.yaml")
    assert dagster_yaml == f"{dockerfile_env['DAGSTER_HOME']}/dagster.yaml"


def test_the_jars_are_fetched_by_the_user_the_services_run_as(dockerfile):
    # Spark looks the jars up in the Ivy cache under the running user's home.
    user, fetched_as = "root", None
    for keyword, arguments in dockerfile:
        if keyword == "USER":
            user = arguments
        if keyword == "RUN" and re.search(r"\blakehouse fetch-jars\b", arguments):
            fetched_as = user
    assert fetched_as == user != "root"


def test_the_deploy_extra_pins_the_dagster_postgres_these_tests_validated():
    requirements = metadata.requires("lakehouse_assets") or []
    assert f'dagster-postgres=={metadata.version("dagster-postgres")}; extra == "deploy"' in requirements


def test_env_file_stays_out_of_the_image():
    ignored = [line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()]
    assert ".env" in ignored
