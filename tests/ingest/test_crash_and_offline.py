"""SIGKILL during ingest, and ingest with the network cut (real subprocesses)."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import copy_corpus

pytestmark = pytest.mark.slow


def _env(corpus: Path, index: Path) -> dict[str, str]:
    return {**os.environ, "DOSSIER_CORPUS_DIR": str(corpus), "DOSSIER_INDEX_DIR": str(index)}


def _snapshot(index: Path) -> dict[str, object]:
    """Chunk ids and texts in Chroma, the manifest's documents, and the chunks the BM25 side holds."""
    import chromadb

    client = chromadb.PersistentClient(path=str(index / "chroma"))
    got = client.get_collection("dossier").get(include=["documents"])
    from app.ingest.manifest import Manifest

    m = Manifest.load(index / "manifest.json")  # the snapshot and its journal
    manifest = {"generation": m.generation, "docs": {k: vars(v) for k, v in m.docs.items()}}
    from app import keyword

    state = keyword.read_state(index / "keyword")
    rows = keyword.chunk_rows(index / "keyword")
    return {
        "ids": sorted(got["ids"]),
        "texts": sorted(got["documents"]),
        "docs": sorted((e["source"], e["content_hash"], e["state"]) for e in manifest["docs"].values()),
        "bm25": sorted((m["source"], m["content_hash"], m["chunk_index"], m["doc_id"], cid, text) for cid, text, m in rows),
        "bm25_docs": sorted(keyword.markers(index / "keyword").items()),
        "bm25_generation_matches": state.get("generation") == manifest["generation"] and state.get("version") == keyword.VERSION,
    }


def _corpus_with_many_files(root: Path, n: int = 16) -> Path:
    corpus = root / "corpus"
    copy_corpus(corpus)
    base = (corpus / "asianindependent-2021-12-us-blocks-investments-in-dji.txt").read_text(encoding="utf-8")
    for i in range(n):
        lines = base.splitlines()
        random.Random(i).shuffle(lines)
        (corpus / f"variant-{i:03d}.txt").write_text(f"Variant {i} of the article\n\n" + "\n".join(lines), encoding="utf-8")
    return corpus


@pytest.mark.timeout(1800)
def test_sigkill_at_random_points_then_reingest_equals_clean(tmp_path: Path) -> None:
    corpus = _corpus_with_many_files(tmp_path)
    clean = tmp_path / "clean-index"
    t0 = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "app", "ingest", str(corpus), "--json"], env=_env(corpus, clean), capture_output=True, timeout=600
    )
    duration = time.perf_counter() - t0
    assert run.returncode == 0, run.stderr
    expected = _snapshot(clean)

    rng = random.Random(1234)
    trials = int(os.environ.get("DOSSIER_KILL_TRIALS", "20"))
    deadline = time.monotonic() + 1200  # bounded: no new trial starts after 20 minutes
    killed_mid_write = 0
    done = 0
    previous: Path | None = None
    for trial in range(trials):
        if time.monotonic() > deadline:
            break
        done += 1
        index = tmp_path / f"index-{trial}"
        if trial % 4 == 1 and previous is not None:
            # Edit half the variants: the killed run is replacing chunks in a complete index.
            shutil.copytree(previous, index)
            for f in sorted(corpus.glob("variant-*.txt"))[:8]:
                f.write_text(f.read_text(encoding="utf-8") + f"\nEdited in trial {trial}.\n", encoding="utf-8")
            ref_index = tmp_path / f"reference-{trial}"
            subprocess.run([sys.executable, "-m", "app", "ingest", str(corpus)], env=_env(corpus, ref_index), capture_output=True, timeout=600, check=True)
            expected = _snapshot(ref_index)
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", "ingest", str(corpus), "--json"],
            env=_env(corpus, index), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        # Wait until the run starts writing (the manifest or its journal changes), then kill it at a random moment.
        from app.ingest.manifest import manifest_stamp

        before = manifest_stamp(index / "manifest.json")
        limit = time.monotonic() + duration + 60
        while time.monotonic() < limit and proc.poll() is None:
            if manifest_stamp(index / "manifest.json") != before:
                break
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.2))  # documents commit every few tens of milliseconds
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        killed_mid_write += proc.returncode == -signal.SIGKILL
        again = subprocess.run(
            [sys.executable, "-m", "app", "ingest", str(corpus), "--json"], env=_env(corpus, index), capture_output=True, timeout=600
        )
        assert again.returncode == 0, again.stderr
        got = _snapshot(index)
        assert got["ids"] == expected["ids"], f"trial {trial}: chunk ids differ from a clean ingest"
        assert got["texts"] == expected["texts"]
        assert got["docs"] == expected["docs"]  # every document done, same hashes, nothing orphaned
        # The keyword side holds exactly Chroma's chunks, one record per document, in step with the manifest.
        assert got["bm25"] == expected["bm25"] and got["bm25_docs"] == expected["bm25_docs"] and got["bm25_generation_matches"]
        if previous is not None:
            shutil.rmtree(previous, ignore_errors=True)
        previous = index
    assert done == trials, f"only {done} of {trials} trials ran within the time bound"
    assert killed_mid_write >= trials // 2  # most kills landed while the run was writing


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare"), reason="needs root and unshare to cut the network")
def test_ingest_and_ask_with_network_cut(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    copy_corpus(corpus)
    env = _env(corpus, tmp_path / "index")
    out = subprocess.run(
        ["unshare", "-n", sys.executable, "-m", "app", "ingest", str(corpus), "--json"], env=env, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["added"] == 4
    ask = subprocess.run(
        ["unshare", "-n", sys.executable, "-m", "app", "ask", "Why was DJI sanctioned?", "--json"], env=env, capture_output=True, text=True, timeout=600
    )
    assert ask.returncode == 0, ask.stderr
    assert json.loads(ask.stdout)["citations"]
