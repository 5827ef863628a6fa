"""Synthetic marketing data with known ground truth (see :mod:`bullseye.datagen.generate`)."""

from bullseye.datagen.generate import GeneratorConfig, GeneratorResult, generate

__all__ = ["GeneratorConfig", "GeneratorResult", "generate"]
