"""Answering: evidence, composition, LLM backends, prompts, verification."""
