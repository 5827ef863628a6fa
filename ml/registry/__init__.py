"""The model registry: versions on the file system (store), their typed metadata (meta) and
promotion as a pure decision (promotion)."""
