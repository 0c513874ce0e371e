"""`ihcheck registry demo`: the command (kept light: the province and Django load only when it runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def demo(data: Annotated[Path | None, typer.Option("--data", metavar="DIR", help="An empty folder for the demo "
                         "registry (default: a new temporary folder, removed when the demo stops).")] = None,
         port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1.")] = 8751,
         hospitals: Annotated[int, typer.Option("--hospitals", min=8, max=2000)] = 32,
         weeks: Annotated[int, typer.Option("--weeks", min=2, max=104, help="Bundles per hospital, one a week.")] = 10,
         ) -> None:
    """Start a registry on the embedded SQLite with a simulated province (hospitals across Guangdong, each its own
    keys, weekly bundles from the recorded scenarios), print the URL and logins; Ctrl-C stops it."""
    import shutil
    import time

    from ihcheck.terminal import console

    out, err = console(highlight=False), console(stderr=True, highlight=False)

    started = time.perf_counter()
    err.print(f"loading a simulated province: {hospitals} hospitals × {weeks} weekly bundles, each verified on "
              "intake (about a minute)…")
    from ihcheck.registry.demo import prepare

    folder, loaded, logins = prepare(data, hospitals, weeks)
    from django.core.wsgi import get_wsgi_application
    from waitress.server import create_server

    server = create_server(get_wsgi_application(), host="127.0.0.1", port=port, threads=4, ident="ihcheck-registry")
    url = f"http://127.0.0.1:{server.effective_port}/"
    out.print(f"ihcheck registry demo on {url}  ({loaded.hospitals} hospitals, {loaded.bundles} bundles taken in, "
              f"{loaded.refused} refused; loaded in {time.perf_counter() - started:.0f} s)", soft_wrap=True)
    out.print(f"  read-only login 只读账户:  {logins.inspector[0]} / {logins.inspector[1]}", soft_wrap=True)
    out.print(f"  administrator 管理员:      {logins.administrator[0]} / {logins.administrator[1]}", soft_wrap=True)
    out.print(f"  data: {folder}" + ("" if data else " (removed on exit)") + "; Ctrl-C stops it", soft_wrap=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        from django.db import connections

        connections.close_all()
        if data is None:
            shutil.rmtree(folder, ignore_errors=True)
        err.print("registry demo stopped")
