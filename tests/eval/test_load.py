"""Load through the Gradio API with an ingest running meanwhile (bounded in count and time)."""

from __future__ import annotations

import pytest

from eval import load

pytestmark = pytest.mark.slow


def test_concurrent_clients_during_ingest_get_no_errors_and_whole_versions() -> None:
    report = load.run(url=None, clients=6, seconds=40, max_requests=400, mode="extractive", ingest_during=True)
    assert report["requests"] > 6
    assert report["errors"] == 0, report["error_samples"]
    assert report["ingests_during_load"] >= 1
    assert report["citations_matching_no_version"] == 0


def test_four_chat_clients_with_the_writer_queue_on_one_model_without_errors() -> None:
    report = load.run(url=None, clients=4, seconds=60, max_requests=12, mode="writer", ingest_during=False)
    assert report["requests"] >= 4
    assert report["errors"] == 0, report["error_samples"]
