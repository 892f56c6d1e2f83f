"""The plain training loop, metrics, checkpoints and the typed config. Uses models/ and data/."""
