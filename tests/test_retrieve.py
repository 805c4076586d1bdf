"""Hybrid retrieval: weighted fusion and per-source routing, on a real small index."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from llama_index.core.schema import NodeWithScore, TextNode

from app.ingest.pipeline import ingest_paths
from app.retrieve import Filters, HybridRetriever, get_retriever, reciprocal_rank_fusion
from app.routing import publisher_aliases, route, source_mentions
from app.settings import Settings

QUESTION = (
    "Does the 'The Verge' article say that Google pays Apple to be the default search engine, "
    "while the 'TechCrunch' article reports that Epic Games won its jury trial?"
)


def _doc(folder: Path, name: str, publisher: str, date: str, text: str) -> None:
    front = f"---\ntitle: {name}\npublisher: {publisher}\nkind: news article\ndate: {date}\n---\n\n"
    (folder / f"{name}.md").write_text(front + text + "\n", encoding="utf-8")


def _corpus(settings: Settings) -> None:
    c = settings.corpus_dir
    _doc(c, "verge", "The Verge", "2023-10-02", "Google pays Apple billions each year to remain the default search engine in Safari.")
    _doc(c, "techcrunch", "TechCrunch", "2023-12-12", "A jury sided with Epic Games after a month-long trial.")
    # Distractors from a publisher the question does not name, sharing most of its words.
    for i in range(6):
        _doc(
            c,
            f"planet-{i}",
            "Daily Planet",
            f"2023-11-0{i + 1}",
            f"Article {i}: Google, Apple and the default search engine deal; Epic Games and Google; the Verge of a trial "
            f"about search engine defaults that Google pays for, part {i}.",
        )


def test_weighted_fusion_keys_by_chunk_id() -> None:
    a, b, c = (TextNode(id_=x, text=x) for x in "abc")
    dense = [NodeWithScore(node=a, score=0.9), NodeWithScore(node=b, score=0.8)]
    lexical = [NodeWithScore(node=b, score=5.0), NodeWithScore(node=c, score=4.0)]
    assert [h.node.node_id for h in reciprocal_rank_fusion([dense, lexical], 3)] == ["b", "a", "c"]
    # Weights scale each list's contribution: with the lexical list at 0 the dense order stands.
    assert [h.node.node_id for h in reciprocal_rank_fusion([dense, lexical], 3, [1.0, 0.0])] == ["a", "b", "c"]


def test_route_names_clauses_dates_and_respects_filters() -> None:
    aliases = publisher_aliases(["The Verge", "TechCrunch", "Fortune", "FOX News - Health", "FOX News - Lifestyle"])
    assert aliases["FOX News"] == {"FOX News - Health", "FOX News - Lifestyle"}
    # Lower-case common words are not publisher names.
    assert source_mentions("wired headphones made a fortune", publisher_aliases(["Wired", "Fortune"])) == []

    subs = route(QUESTION, Filters(), aliases, 2023)
    assert [s.filters.publishers for s in subs] == [["The Verge"], ["TechCrunch"]]
    assert "Apple" in subs[0].text and "Epic" not in subs[0].text
    assert subs[1].text.startswith("TechCrunch") and "Epic Games" in subs[1].text

    listed = route("Who was convicted of fraud, as reported by Fortune, The Verge, and TechCrunch?", Filters(), aliases, 2023)
    assert len(listed) == 1 and listed[0].filters.publishers == ["Fortune", "TechCrunch", "The Verge"]
    assert listed[0].text.startswith("Who was convicted")  # the list leaves no clause: the whole question

    dated = route("After TechCrunch reported on Epic Games on November 6, 2023, did Google appeal?", Filters(), aliases, 2023)
    assert [(s.filters.date_from, s.filters.date_to) for s in dated] == [("2023-11-05", "2023-11-07"), ("", "")]

    only_verge = route(QUESTION, Filters(publishers=["The Verge"]), aliases, 2023)
    assert [s.filters.publishers for s in only_verge] == [["The Verge"]]
    assert route("Why was DJI sanctioned?", Filters(), aliases, 2023) == []


def test_routing_finds_each_named_source_and_follows_new_publishers(fresh: Callable[..., Settings]) -> None:
    settings = fresh(top_k=4)
    _corpus(settings)
    assert not ingest_paths(settings, [settings.corpus_dir]).failed

    plain = HybridRetriever(settings.model_copy(update={"route_sources": False}))
    without = {p.publisher for p in plain.retrieve(QUESTION, top_k=4)}
    routed = get_retriever(settings)
    routes = [s for s in routed.sub_queries(QUESTION, Filters()) if s.filters.publishers]  # clauses come first, unfiltered
    assert {s.filters.publishers[0] for s in routes} == {"The Verge", "TechCrunch"}
    with_routing = [p.publisher for p in routed.retrieve(QUESTION, top_k=4)]
    # The distractors crowd a named source out of the whole question's top 4 (which one depends on how
    # equal BM25 scores of the identical distractors are ordered).
    assert not {"The Verge", "TechCrunch"} <= without
    assert {"The Verge", "TechCrunch"} <= set(with_routing)

    # A publisher ingested later is recognised by the same retriever (the manifest generation changed).
    question = "What did Wired say about Apple?"
    assert routed.sub_queries(question, Filters()) == []
    _doc(settings.corpus_dir, "wired", "Wired", "2023-12-01", "Apple launched a new phone.")
    assert not ingest_paths(settings, [settings.corpus_dir]).failed
    assert [s.filters.publishers for s in routed.sub_queries(question, Filters())] == [["Wired"]]
    assert routed.retrieve(question, top_k=1)[0].publisher == "Wired"
