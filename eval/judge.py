"""Optional LLM judge for the gold suite: LlamaIndex ``CorrectnessEvaluator`` and ``FaithfulnessEvaluator``.

Runs only when ``DOSSIER_JUDGE_BASE_URL`` names an OpenAI-compatible endpoint (vLLM, llama.cpp
server, OpenAI, ...); otherwise the gold report says it was skipped and why. The judge adds its
own figures beside the suite's and changes none of them:

* correctness: the judge's 1-5 score of the answer against the gold reference answer
  (``CorrectnessEvaluator``; passing = score >= 4), answered questions only;
* faithfulness: whether the answer is supported by the passages it cites
  (``FaithfulnessEvaluator``), answered questions only.

Abstentions are not judged (the suite's abstention metrics cover them).
"""

from __future__ import annotations

from typing import Any

from app.settings import Settings
from eval.metrics import mean


def skipped_note(settings: Settings) -> str | None:
    if not settings.judge_base_url:
        return "LLM judge skipped: no judge endpoint configured (set DOSSIER_JUDGE_BASE_URL and DOSSIER_JUDGE_MODEL)."
    return None


def judge_llm(settings: Settings) -> Any:
    from llama_index.llms.openai_like import OpenAILike

    return OpenAILike(
        model=settings.judge_model,
        api_base=settings.judge_base_url,
        api_key=settings.judge_api_key,
        is_chat_model=True,
        timeout=settings.llm_timeout_s,
        max_retries=0,
        temperature=0.0,
    )


def judge(settings: Settings, questions: list[dict[str, Any]], records: list[dict[str, Any]]) -> dict[str, Any]:
    """{"correctness": mean 1-5, "correctness_pass": share >= 4, "faithfulness": share faithful, ...} or a skip note."""
    note = skipped_note(settings)
    if note:
        return {"skipped": note}
    from llama_index.core.evaluation import CorrectnessEvaluator, FaithfulnessEvaluator

    llm = judge_llm(settings)
    correctness = CorrectnessEvaluator(llm=llm)
    faithfulness = FaithfulnessEvaluator(llm=llm)
    gold = {q["id"]: q for q in questions}
    per: list[dict[str, Any]] = []
    errors: list[str] = []
    for r in records:
        q = gold[r["id"]]
        if not q["answerable"] or r["abstained"]:
            continue
        contexts = [c["text"] for c in r["citations"]] or [""]
        try:
            c = correctness.evaluate(query=q["question"], response=r["answer"], reference=q.get("reference_answer", ""))
            f = faithfulness.evaluate(query=q["question"], response=r["answer"], contexts=contexts)
        except Exception as exc:  # an unreachable or failing judge must not lose the suite's own figures
            errors.append(f"{r['id']}: {type(exc).__name__}: {exc}")
            if len(errors) >= 3 and not per:
                break
            continue
        per.append({"id": r["id"], "correctness": c.score, "correct": bool(c.passing), "faithful": bool(f.passing)})
    scored = [p for p in per if p["correctness"] is not None]
    return {
        "model": settings.judge_model,
        "endpoint": settings.judge_base_url,
        "judged": len(per),
        "correctness": mean(p["correctness"] for p in scored),
        "correctness_pass": mean(float(p["correct"]) for p in per),
        "faithfulness": mean(float(p["faithful"]) for p in per),
        "errors": errors,
        "records": per,
    }
