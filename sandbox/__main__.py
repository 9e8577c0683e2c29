"""Command line: ``python -m sandbox [--host H] [--port P] [--data D] [--seed F] [--root D]
[--isolate] [--reset]``."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from sandbox.server import DEFAULT_DATA, DEFAULT_SEED, start_server


def _interrupt(signum: int, frame: object) -> None:
    """End serving on Ctrl-C or SIGTERM, so the server closes the database cleanly."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    """Serve the sandbox until Ctrl-C or SIGTERM, after printing one ``Serving <url>`` line."""
    parser = argparse.ArgumentParser(
        prog="python -m sandbox",
        description="Serve the demo page (or your own), /v3.js and a local PersonaClick API.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port; 0 picks a free one")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="SQLite data directory")
    parser.add_argument("--seed", type=Path, default=DEFAULT_SEED, help="shops and segments JSON")
    parser.add_argument("--root", type=Path, help="serve this page folder instead of the demo")
    parser.add_argument(
        "--isolate", action="store_true", help="send COOP/COEP/CORP headers (SharedArrayBuffer)"
    )
    parser.add_argument(
        "--reset",
        action="store_true",
        help="start from the seed again: delete the SQLite data in --data before serving",
    )
    args = parser.parse_args(argv)
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        warning = f"sandbox: warning: {args.host} is not loopback; others may reach the sandbox."
        print(warning, file=sys.stderr)
    try:
        server = start_server(
            args.root,
            args.data,
            seed_path=args.seed,
            host=args.host,
            port=args.port,
            isolate=args.isolate,
            reset=args.reset,
        )
    except ValueError as exc:  # a bad seed file (SeedError), data of another layout (DataError)
        parser.exit(1, f"sandbox: {exc}\n")
    except OSError as exc:
        parser.exit(1, f"sandbox: cannot start on {args.host}:{args.port}: {exc}\n")
    # SIGINT too: a shell starting a job in the background hands it SIGINT ignored. Before the
    # Serving line: whoever reads it may stop the sandbox at once.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _interrupt)
    try:
        print(f"Serving {server.url}", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


if __name__ == "__main__":
    main()
