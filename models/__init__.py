"""One encoder, thin heads. Knows tensors only: never a path, never the whole config."""
