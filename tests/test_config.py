from pathlib import Path

import pytest

from errors import ConfigError
from training.config import Config, load_config

CONFIGS = sorted((Path(__file__).resolve().parent.parent / "configs").glob("*.yaml"))


def test_there_are_configs():
    assert "tiny" in {p.stem for p in CONFIGS}


@pytest.mark.part("named_datasets")
def test_the_named_datasets_have_their_configs():
    assert {p.stem for p in CONFIGS} >= {"pos_ud_ewt", "trec", "sst2"}


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_every_config_loads(path):
    cfg = load_config(path)
    assert isinstance(cfg, Config) and cfg.model.hidden_size > 0


def test_dotted_overrides_are_typed():
    cfg = load_config(CONFIGS[0], ["train.lr=1e-4", "model.rnn=gru", "data.limit=10", "model.bidirectional=false"])
    assert cfg.train.lr == 1e-4 and cfg.model.rnn == "gru" and cfg.data.limit == 10
    assert cfg.model.bidirectional is False


def test_unknown_key_lists_valid_keys():
    with pytest.raises(ConfigError, match=r"unknown config key 'train.lrr'.*valid keys here: epochs, batch_size, lr,"):
        load_config(None, ["train.lrr=1"])


def test_unknown_section_lists_sections():
    with pytest.raises(ConfigError, match=r"unknown config key 'optim.*valid keys here: data, model, train"):
        load_config(None, ["optim.lr=1"])


def test_unknown_key_in_yaml_names_the_file(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("model:\n  hidden: 10\n")
    with pytest.raises(ConfigError, match=r"unknown config key 'model.hidden' in .*bad.yaml.*hidden_size"):
        load_config(f)


def test_an_unknown_override_is_named_as_one_not_as_the_files():
    with pytest.raises(ConfigError, match=r"unknown config key 'train.lrr' \(a command-line override\); valid keys"):
        load_config("configs/tiny.yaml", ["train.lrr=1"])
    with pytest.raises(ConfigError, match=r"unknown config key 'trian' \(a command-line override\); valid keys here: "
                                          r"data, model, train"):  # a misspelt section, not the file's
        load_config("configs/tiny.yaml", ["trian.epochs=3"])


def test_wrong_type_is_reported():
    with pytest.raises(ConfigError, match=r"'train.epochs'.*could not be converted to Integer"):
        load_config(None, ["train.epochs=three"])


def test_cross_field_checks():
    with pytest.raises(ValueError, match="model.rnn must be one of"):
        load_config(None, ["model.rnn=transformer"])


@pytest.mark.part("named_datasets")
def test_an_unknown_dataset_name_is_refused():
    with pytest.raises(ValueError, match="unknown dataset 'imdb'"):
        load_config(None, ["data.name=imdb"])


def test_override_without_equals_sign():
    with pytest.raises(ConfigError, match="section.key=value"):
        load_config(None, ["train.lr"])


@pytest.mark.part("named_datasets", "device_data")
def test_the_gpu_recipe_trains_the_cpu_configs_model():
    """configs/pos_ud_ewt_gpu.yaml changes how the tagger trains (batch, lr, epochs, device data), never what it is."""
    cpu, gpu = (load_config(f"configs/{name}.yaml") for name in ("pos_ud_ewt", "pos_ud_ewt_gpu"))
    assert gpu.data == cpu.data and gpu.model == cpu.model
    assert gpu.train.batch_size == 16 * cpu.train.batch_size and gpu.train.lr == 4 * cpu.train.lr  # sqrt scaling
    assert gpu.train.device_data and not cpu.train.device_data
