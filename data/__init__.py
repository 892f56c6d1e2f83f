"""Files -> examples -> `datasets.Dataset` -> padded batches. Knows files and `datasets`, never models."""
