"""Dossier: cited, verified answers over an analyst's documents, fully offline."""

import os as _os

# Dossier runs offline: no model hub, no telemetry. These must be set before
# huggingface_hub, transformers, chromadb or gradio are imported anywhere.
for _key, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "TRANSFORMERS_VERBOSITY": "error",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TQDM_DISABLE": "1",  # library progress bars; Dossier's own bars pass disable=False
}.items():
    _os.environ.setdefault(_key, _value)

__version__ = "0.1.0"
