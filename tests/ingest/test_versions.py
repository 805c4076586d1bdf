"""A question asked while a document is being replaced sees the old or the new version, never both."""

from __future__ import annotations

import pytest

from app.answer.engine import ask
from app.ingest import pipeline
from app.ingest.manifest import Manifest
from app.settings import Settings

DOC = "---\ntitle: Drone registry bulletin\npublisher: Registry Office\nkind: official statement\ndate: 2024-01-01\n---\n\n{}\n"
V1 = "The drone registry bulletin says that 70 drone operators renewed their permits in the northern district this spring."
V2 = "The drone registry bulletin says that 95 drone operators renewed their permits in the northern district this spring."


def test_replacement_interrupted_between_write_and_cleanup_stays_consistent(fresh, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    settings: Settings = fresh()
    path = settings.corpus_dir / "bulletin.md"
    path.write_text(DOC.format(V1), encoding="utf-8")
    assert pipeline.ingest_paths(settings, [path]).added == 1
    q = "How many drone operators renewed their permits?"
    assert "70 drone operators" in ask(q, settings=settings).answer

    # The next ingest writes version 2's chunks, then dies before removing version 1's.
    path.write_text(DOC.format(V2), encoding="utf-8")

    def die_before_cleanup(self, items, vectors, report):  # type: ignore[no-untyped-def]
        item = items[0]
        self.manifest.docs[item.doc_id] = pipeline.DocEntry(
            doc_id=item.doc_id, source=item.source, content_hash=item.digest, state="pending",
            previous_hash=self.manifest.docs[item.doc_id].content_hash,
        )  # fmt: skip
        self.manifest.save()
        self.vector_store.add(self._nodes(item, vectors[0]))
        raise KeyboardInterrupt  # the process is gone

    monkeypatch.setattr(pipeline.Ingestor, "commit", die_before_cleanup)
    with pytest.raises(KeyboardInterrupt):
        pipeline.ingest_paths(settings, [path])
    monkeypatch.undo()
    hashes = {m["content_hash"] for m in pipeline.Ingestor(settings).collection.get(include=["metadatas"])["metadatas"]}
    assert len(hashes) == 2  # both versions are in Chroma now
    mid = ask(q, settings=settings)
    assert "70 drone operators" in mid.answer and "95" not in mid.answer  # readers still see version 1 only

    report = pipeline.ingest_paths(settings, [path])  # the next run completes the replacement
    assert report.updated == 1
    after = ask(q, settings=settings)
    assert "95 drone operators" in after.answer and "70 drone" not in after.answer
    assert all(e.state == "done" for e in Manifest.load(pipeline.manifest_path(settings)).docs.values())
