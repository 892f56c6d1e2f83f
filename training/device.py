"""Where a run computes: ``train.device`` (and predict.py's ``--device``) turned into a device this machine has."""
from __future__ import annotations

import torch

from errors import ConfigError


def resolve_device(name: str) -> torch.device:
    """``train.device`` -> a device: auto is cuda where there is one, else cpu."""
    return torch.device(("cuda" if torch.cuda.is_available() else "cpu") if name == "auto" else name)


def bf16_supported(device: torch.device) -> bool:
    """Can train.amp (bf16 autocast) run here? On a CPU it needs oneDNN's bf16 kernels, which CPUs without AVX-512
    lack (the LSTM then fails with "could not create a primitive descriptor")."""
    return device.type != "cpu" or torch.ops.mkldnn._is_mkldnn_bf16_supported()


def check_device(name: str, setting: str = "train.device", instead: str = "auto or cpu",
                 amp: bool = False) -> torch.device:
    """``name`` resolved, if this machine has that device (a saved run loads anywhere) and, for ``amp``
    (train.amp), bf16 support there."""
    try:
        device = resolve_device(name)
    except RuntimeError:
        raise ConfigError(f"{setting}={name}: not a device (cpu, cuda, cuda:N)") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"{setting}={name}: this machine has no CUDA device (torch {torch.__version__}); "
                          f"use {setting}={instead}")
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        raise ConfigError(f"{setting}={name}: this machine has {torch.cuda.device_count()} CUDA device(s)")
    if amp and not bf16_supported(device):
        raise ConfigError(f"train.amp=true: this CPU has no bf16 support (torch finds "
                          f"{torch.backends.cpu.get_cpu_capability()}); set train.amp=false")
    return device
