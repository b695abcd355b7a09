"""``xinyi serve``: the same terminal app in a browser, through textual-serve.

Each browser tab that connects gets its own app process (``xinyi web-session``, Textual's web
driver): the login screen first, whatever ``auth.mode`` says — a browser carries no OS identity to
trust — then the very screens of the terminal. Closing the tab ends the process (and with it its
database connection); the app logs an idle operator out by itself (``[serve]
idle_logout_minutes``, see :class:`xinyi_core.tui.app.XinyiApp`).

What this module adds to textual-serve's :class:`~textual_serve.server.Server`:

- a cap on sessions at once (``[serve] max_sessions``): past it the page is a Chinese "busy" page
  (HTTP 503), and a tab that connects anyway is told so in its terminal and closed;
- the page itself in Chinese, with nothing fetched from the Internet, its websocket address taken
  from the request (so it works unchanged behind nginx with TLS: ``wss://``);
- downloads (``d 下载`` → :meth:`textual.app.App.deliver_binary`) saved by the browser under the
  document's own Chinese name (RFC 6266 ``filename*``; textual-serve sends the raw name);
- the browser's address as the login's source (the wait after wrong passwords is per account and
  place, as over SSH), taken from nginx's ``X-Forwarded-For`` only when nginx is on this machine;
- a session whose app does not quit when asked is killed, so no process outlives its tab.
"""
from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import shlex
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp_jinja2
import textual_serve
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from .i18n import t

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).with_name("serve_templates")
STATICS = Path(textual_serve.__file__).with_name("static")
CLIENT_ENV = "XINYI_WEB_CLIENT"  # the browser's address, for the login's source (auth.login_source)
STOP_TIMEOUT_S = 10.0  # an app asked to quit that has not within this is killed


def session_command() -> str:
    """The command each browser session runs: this interpreter, this xinyi (no PATH lookup)."""
    return f"{shlex.quote(sys.executable)} -m xinyi_core.cli web-session"


def _text() -> dict[str, str]:
    return {key: t(f"serve.{key}") for key in ("start", "ended", "restart", "busy_title", "busy_hint",
                                               "busy_again", "loading")}


def content_disposition(name: str, *, inline: bool = False) -> str:
    """``attachment; filename="…"; filename*=UTF-8''…``: an ASCII stand-in for old clients and the
    real (Chinese) name percent-encoded, which every current browser prefers (RFC 6266)."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\%;' else "_" for ch in name) or "download"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def client_address(request: web.Request) -> str:
    """The browser's address: the connection's, or — when the connection is from this machine (nginx
    in front) — the last address nginx put in ``X-Forwarded-For``."""
    remote = request.remote or ""
    try:
        local = ipaddress.ip_address(remote).is_loopback
    except ValueError:
        local = remote == ""
    forwarded = request.headers.get("X-Forwarded-For", "")
    if local and forwarded:
        return forwarded.split(",")[-1].strip()[:60]
    return remote[:60]


class _Session(AppService):
    """One browser tab's app process: started with the browser's address, killed if it will not quit."""

    def __init__(self, *args: Any, client: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = client

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width=width, height=height)
        environment[CLIENT_ENV] = self.client
        for name in ("SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"):  # the server's own login is not the browser's
            environment.pop(name, None)
        return environment

    async def end(self) -> None:
        """Ask the app to quit (it closes its database), and kill it if it has not within the timeout."""
        process = self._process
        try:
            await asyncio.wait_for(self.stop(), STOP_TIMEOUT_S)
        except (asyncio.TimeoutError, Exception):  # noqa: BLE001 - whatever happened, the process goes
            log.warning("browser session %s did not quit when asked: killed", self.app_service_id)
        if process is not None and process.returncode is None:
            try:
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT_S)
            except asyncio.TimeoutError:
                process.kill()
                await process.wait()


class XinyiServer(Server):
    """textual-serve's server with xinyi's cap, page, downloads and session ending."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 8000, max_sessions: int = 50,
                 idle_minutes: int = 30, command: str | None = None) -> None:
        super().__init__(command or session_command(), host=host, port=port, title=t("serve.title"),
                         statics_path=STATICS, templates_path=TEMPLATES)
        self.max_sessions = max_sessions
        self.idle_minutes = idle_minutes
        self.sessions: set[_Session] = set()

    @property
    def full(self) -> bool:
        return len(self.sessions) >= self.max_sessions

    def initialize_logging(self) -> None:
        # The administrator's console gets xinyi's lines; textual-serve's own log (English) only
        # with --verbose, like every other command.
        logging.getLogger("textual-serve").setLevel(logging.WARNING)

    async def on_startup(self, app: web.Application) -> None:
        print(t("serve.started", url=self.public_url, sessions=self.max_sessions, minutes=self.idle_minutes),
              flush=True)

    async def on_shutdown(self, app: web.Application) -> None:
        await asyncio.gather(*(session.end() for session in list(self.sessions)), return_exceptions=True)

    # ------------------------------------------------------------------ the page

    def _context(self) -> dict[str, Any]:
        return {"application": {"name": t("serve.title")}, "text": {**_text(), "busy": t(
            "serve.busy", sessions=self.max_sessions)}}

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        if self.full:
            response = aiohttp_jinja2.render_template("busy.html", request, self._context(), status=503)
            response.headers["Retry-After"] = "60"
            response.headers["Cache-Control"] = "no-store"
            return response
        font_size = to_int(request.query.get("fontsize", "16"), 16)
        secure = request.secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https"
        host = request.headers.get("X-Forwarded-Host") or request.host
        context = {
            **self._context(),
            "font_size": font_size,
            "app_websocket_url": f"{'wss' if secure else 'ws'}://{host}{request.app.router['websocket'].url_for()}",
            "config": {"static": {"url": str(request.app.router["static"].url_for(filename="/")).rstrip("/") + "/"}},
        }
        response = aiohttp_jinja2.render_template("app_index.html", request, context)
        response.headers["Cache-Control"] = "no-store"
        return response

    # ------------------------------------------------------------------ a session

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        await websocket.prepare(request)
        if self.full:  # the page was served while a place was free; it is not any more
            message = "\r\n  " + t("serve.busy", sessions=self.max_sessions) + "\r\n  " + t("serve.busy_hint")
            await websocket.send_bytes(message.encode("utf-8"))
            await websocket.close()
            return websocket
        session = _Session(self.command, client=client_address(request), write_bytes=websocket.send_bytes,
                           write_str=websocket.send_str, close=websocket.close,
                           download_manager=self.download_manager, debug=self.debug)
        self.sessions.add(session)
        try:
            await session.start(width, height)
            await self._process_messages(websocket, session)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception:  # noqa: BLE001 - one tab's failure must not stop the server
            log.exception("browser session failed")
        finally:
            self.sessions.discard(session)
            await session.end()
        return websocket

    async def handle_download(self, request: web.Request) -> web.StreamResponse:
        """A document the app delivered: streamed to the browser, saved under its own name."""
        key = request.match_info["key"]
        try:
            meta = await self.download_manager.get_download_metadata(key)
        except KeyError:
            raise web.HTTPNotFound(text="") from None
        response = web.StreamResponse()
        response.headers["Content-Type"] = meta.mime_type + (f"; charset={meta.encoding}" if meta.encoding else "")
        response.headers["Content-Disposition"] = content_disposition(meta.file_name,
                                                                      inline=meta.open_method == "browser")
        response.headers["Cache-Control"] = "no-store"
        await response.prepare(request)
        async for chunk in self.download_manager.download(key):
            await response.write(chunk)
        await response.write_eof()
        return response


def serve(*, host: str, port: int, max_sessions: int, idle_minutes: int) -> None:
    """Serve until SIGINT/SIGTERM, then end every session. (textual-serve's ``debug`` is never passed:
    it would start each app with Textual's devtools.)"""
    server = XinyiServer(host=host, port=port, max_sessions=max_sessions, idle_minutes=idle_minutes)
    server.serve()
    print(t("serve.stopped"), flush=True)


def in_browser_session() -> bool:
    """Whether this process was started by ``xinyi serve`` for a browser tab (Textual's web driver)."""
    return os.environ.get("TEXTUAL_DRIVER", "").endswith("web_driver:WebDriver")
