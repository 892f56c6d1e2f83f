from pathlib import Path

import pytest

from data.datasets import DataConfig, data_root


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The mirrored public datasets. Missing data is an error, never a skip: CI must run these tests."""
    return data_root(DataConfig(name="ud_en_ewt"))
