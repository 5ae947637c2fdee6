import pytest

from lakehouse_assets.generator import GeneratorConfig, generate
from lakehouse_assets_tests.generator.support import small_config


@pytest.fixture(scope="session")
def dirty_landing(tmp_path_factory) -> tuple[GeneratorConfig, list[dict]]:
    config = small_config(tmp_path_factory.mktemp("dirty") / "landing")
    return config, generate(config)


@pytest.fixture(scope="session")
def clean_landing(tmp_path_factory) -> tuple[GeneratorConfig, list[dict]]:
    config = small_config(tmp_path_factory.mktemp("clean") / "landing", dirty_rate=0.0)
    return config, generate(config)
