"""Evaluation scripts, gold sets, benchmarks."""
