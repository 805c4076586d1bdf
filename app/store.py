"""The Chroma store: embedded ``PersistentClient`` by default, ``HttpClient`` in server mode.

Everything else in Dossier gets its collection and its LlamaIndex ``ChromaVectorStore``
from here, so the choice of backend lives in one place.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlparse

from app.settings import Settings

COLLECTION_METADATA = {"hnsw:space": "cosine"}
_lock = threading.Lock()
_clients: dict[str, Any] = {}


class StoreUnavailable(RuntimeError):
    """The Chroma store cannot be reached or opened; the message says where and why."""


def _make_client(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        try:
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or 8000,
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:
            raise StoreUnavailable(f"cannot reach the Chroma server at {settings.chroma_url}: {exc}") from exc
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    try:
        return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
    except Exception as exc:
        raise StoreUnavailable(f"cannot open the Chroma store at {settings.chroma_dir}: {exc}") from exc


def client_key(settings: Settings) -> str:
    return settings.chroma_url or str(settings.chroma_dir.resolve())


def get_client(settings: Settings) -> Any:
    key = client_key(settings)
    with _lock:
        if key not in _clients:
            _clients[key] = _make_client(settings)
        return _clients[key]


def get_collection(settings: Settings) -> Any:
    try:
        return get_client(settings).get_or_create_collection(settings.collection, metadata=COLLECTION_METADATA)
    except StoreUnavailable:
        raise
    except Exception as exc:
        where = settings.chroma_url or settings.chroma_dir
        raise StoreUnavailable(f"the Chroma store at {where} is unavailable: {exc}") from exc


def get_vector_store(settings: Settings) -> Any:
    from llama_index.vector_stores.chroma import ChromaVectorStore

    return ChromaVectorStore(chroma_collection=get_collection(settings))


def drop_collection(settings: Settings) -> None:
    client = get_client(settings)
    try:
        client.delete_collection(settings.collection)
    except Exception:  # absent collection: nothing to drop
        pass


def forget_clients() -> None:
    """Drop cached clients (tests that move the index directory)."""
    with _lock:
        _clients.clear()
