"""URLs: fetch a page, extract its main text (trafilatura), save a Markdown snapshot.

The snapshot in ``corpus/web/`` carries the url and fetch date in its front matter,
so the index can always be rebuilt offline from ``corpus/`` alone.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import yaml

from app.ingest.manifest import atomic_write_text
from app.settings import Settings

MAX_PAGE_BYTES = 20 * 1024 * 1024


def is_url(value: str) -> bool:
    return bool(re.match(r"^https?://", value.strip(), re.IGNORECASE))


def _slug(text: str, limit: int = 80) -> str:
    slug = re.sub(r"[^a-zA-Z0-9]+", "-", text).strip("-").lower()
    return slug[:limit].strip("-") or "page"


def fetch(url: str, timeout: float) -> tuple[bytes, str]:
    req = urllib.request.Request(url, headers={"User-Agent": "Dossier/0.1 (+document Q&A)"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            data = resp.read(MAX_PAGE_BYTES + 1)
            final_url = resp.geturl()
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"fetch failed: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RuntimeError(f"fetch failed: {reason}") from None
    if len(data) > MAX_PAGE_BYTES:
        raise RuntimeError("fetch failed: page larger than 20 MiB")
    return data, final_url


def snapshot_url(url: str, settings: Settings) -> Path:
    """Fetch ``url`` and write ``corpus/web/<host>-<title>.md``; returns the snapshot's path."""
    import trafilatura

    data, final_url = fetch(url, settings.fetch_timeout_s)
    html = data.decode("utf-8", errors="replace")
    text = trafilatura.extract(html, url=final_url, include_comments=False, include_tables=True, favor_recall=True)
    if not text or not text.strip():
        raise RuntimeError("no readable main text found on the page")
    info = trafilatura.extract_metadata(html, default_url=final_url)
    host = urlparse(final_url).hostname or "web"
    title = (info.title if info and info.title else "") or text.strip().splitlines()[0][:120]
    front = {
        "title": title,
        "publisher": (info.sitename if info and info.sitename else host),
        "kind": "web page",
        "date": (info.date if info and info.date else ""),
        "url": url,
        "fetched": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    if info and info.author:
        front["author"] = info.author
    out_dir = settings.corpus_dir / "web"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{_slug(host, 40)}-{_slug(title)}.md"
    body = "---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True) + "---\n\n" + text.strip() + "\n"
    atomic_write_text(path, body)
    return path
