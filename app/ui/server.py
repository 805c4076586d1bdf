"""``dossier serve``: the chat on a local address, or behind a password on any other."""

from __future__ import annotations

import ipaddress
import logging
import sys
import threading

from app.settings import Settings, get_settings

log = logging.getLogger("dossier.ui")
CONCURRENCY = 4  # questions answered at once; ingestion is always one at a time


def is_loopback(host: str) -> bool:
    if host.strip().lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def parse_auth(auth: str | None) -> tuple[str, str] | None:
    if not auth:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise ValueError("DOSSIER_AUTH must be 'user:password'")
    return user, password


def warm_up(settings: Settings) -> None:
    """Load the embedding model, index and (if set) the LLM once, so the first question is fast."""
    from app.answer.engine import ask
    from app.embedding import warm_torch

    try:
        warm_torch()
        ask("warm-up question about the documents", settings=settings)
    except Exception as exc:  # an empty index or a missing LLM is reported when a question is asked
        log.info("warm-up skipped: %s", exc)


def serve(host: str | None = None, port: int | None = None, insecure: bool = False) -> int:
    settings = get_settings()
    host = host or settings.host
    port = port or settings.port
    try:
        auth = parse_auth(settings.auth)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not is_loopback(host) and auth is None and not insecure:
        print(
            f"error: refusing to serve on {host} without a password: set DOSSIER_AUTH=user:password, "
            "bind to 127.0.0.1, or pass --insecure if the network is trusted",
            file=sys.stderr,
        )
        return 2
    if not is_loopback(host) and auth is None:
        print(f"warning: serving on {host} without a password (--insecure)", file=sys.stderr)

    from app.ui.app import CSS, HEAD, REPORTS_ROOT, build_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpcore", "root", "bm25s"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    demo = build_app(settings)
    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=64)
    try:
        demo.launch(
            server_name=host,
            server_port=port,
            auth=auth,
            share=False,
            prevent_thread_lock=True,
            show_error=False,
            quiet=True,
            ssr_mode=False,
            pwa=False,
            mcp_server=False,
            max_file_size=int(settings.upload_max_mb * 1024 * 1024),
            css=CSS,
            head=HEAD,
            allowed_paths=[str(REPORTS_ROOT)],  # the chat's report downloads
            footer_links=["api"],
        )
    except OSError as exc:
        print(f"error: cannot serve on {host}:{port}: {exc}", file=sys.stderr)
        return 1
    # Warm up once the page is served: started before build_app, the warm-up's imports and model
    # load competed with gradio's for the GIL and the 2 cores and delayed the page by several seconds.
    threading.Thread(target=warm_up, args=(settings,), name="dossier-warm-up", daemon=True).start()
    shown = f"[{host}]" if ":" in host else host
    print(f"Dossier chat: http://{shown}:{port}", flush=True)
    try:
        demo.block_thread()
    except KeyboardInterrupt:
        pass
    finally:
        demo.close()
    return 0
