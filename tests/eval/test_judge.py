"""The optional LLM judge: skipped with a note when unconfigured; scores through a (stub) OpenAI-compatible server."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

from app.settings import Settings
from eval.judge import judge
from eval.report import render_markdown
from tests.conftest import free_port

QUESTIONS = [
    {"id": "q1", "question": "Why was DJI sanctioned?", "answerable": True, "reference_answer": "For surveilling Uyghurs."},
    {"id": "q2", "question": "Who is the CEO of Treasury?", "answerable": False, "reference_answer": ""},
]
RECORDS = [
    {"id": "q1", "abstained": False, "answer": "DJI drones surveil Uyghurs [1].", "citations": [{"text": "DJI drones surveil Uyghurs."}]},
    {"id": "q2", "abstained": True, "answer": "The documents do not answer this question.", "citations": []},
]


class _Judge(BaseHTTPRequestHandler):
    prompts: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        prompt = " ".join(str(m.get("content", "")) for m in body["messages"])
        _Judge.prompts.append(prompt)
        text = "4.5\nThe answer matches the reference." if "reference answer" in prompt.lower() else "YES"
        payload = {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": body.get("model", "judge"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


def test_judge_is_skipped_with_a_note_when_unconfigured(tmp_path: Path) -> None:
    out = judge(Settings(index_dir=tmp_path), QUESTIONS, RECORDS)
    assert "skipped" in out and "DOSSIER_JUDGE_BASE_URL" in out["skipped"]
    summary = render_markdown({"suite": "gold", "modes": {"extractive": {"metrics": {}, "judge": out}}})
    assert "LLM judge skipped" in summary


def test_judge_scores_answered_questions_through_an_openai_compatible_endpoint(tmp_path: Path) -> None:
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), _Judge)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = Settings(index_dir=tmp_path, judge_base_url=f"http://127.0.0.1:{port}/v1", judge_model="stub", llm_timeout_s=10)
        out = judge(settings, QUESTIONS, RECORDS)
    finally:
        server.shutdown()
        server.server_close()
    assert out["errors"] == []
    assert out["judged"] == 1  # the abstention is not judged
    assert out["correctness"] == 4.5 and out["correctness_pass"] == 1.0 and out["faithfulness"] == 1.0
    assert any("For surveilling Uyghurs." in p for p in _Judge.prompts)  # the reference answer reached the judge
    summary = render_markdown({"suite": "gold", "modes": {"extractive": {"metrics": {}, "judge": out}}})
    assert "correctness 4.50/5" in summary
