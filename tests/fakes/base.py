"""A fake HTTP API: an aiohttp application served on 127.0.0.1 from a background thread.

The thread owns its own event loop, so the fake serves synchronous tests, asyncio tests and
subprocesses (a running Rasa server) alike. Requests are recorded; tests can queue failures.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Recorded:
    """One request as the fake saw it; ``params`` are the decoded JSON or form fields."""

    method: str
    path: str
    api_method: str
    headers: dict[str, str]
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)  # when the fake received it


@dataclass
class Failure:
    """An answer to give instead of the normal one, ``times`` times, after ``delay`` seconds;
    the first ``after`` calls are answered normally."""

    status: int
    body: dict[str, Any]
    times: int = 1
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    after: int = 0


class FakeServer:
    """Base class: subclasses add routes in :meth:`routes` and answer in their handlers."""

    def __init__(self, record_bodies: bool = True, max_records: int | None = None) -> None:
        self.record_bodies = record_bodies
        self.requests: deque[Recorded] = deque(maxlen=max_records)
        self.counts: Counter[str] = Counter()
        self.delay = 0.0  # seconds before every answer
        self.delays: dict[str, float] = {}  # per API method, instead of ``delay``
        self._failures: dict[str, deque[Failure]] = {}
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def routes(self, app: web.Application) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def start(self) -> FakeServer:
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        async def boot() -> None:
            app = web.Application(client_max_size=16 * 1024 * 1024)
            self.routes(app)
            self._runner = web.AppRunner(app, access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            server = site._server  # noqa: SLF001 - aiohttp exposes no public port accessor
            assert server is not None and server.sockets
            self.port = server.sockets[0].getsockname()[1]

        def run() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(boot())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name=type(self).__name__, daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake server did not start")
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        loop = self._loop
        runner = self._runner

        async def shutdown() -> None:
            if runner is not None:
                await runner.cleanup()
            pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in pending:  # requests still sleeping in a slow answer
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        loop.close()
        self._loop = None

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- recording and failure injection ------------------------------------------------------
    def record(self, request: web.Request, api_method: str, params: dict[str, Any]) -> None:
        with self._lock:
            self.counts[api_method] += 1
            if self.record_bodies:
                self.requests.append(
                    Recorded(request.method, request.path, api_method, dict(request.headers), params)
                )

    def calls(self, api_method: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.api_method == api_method]

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.counts.clear()
            self._failures.clear()
            self.delay = 0.0
            self.delays.clear()

    def fail(self, api_method: str, failure: Failure) -> None:
        """Answer the next ``failure.times`` calls of ``api_method`` with ``failure``."""
        with self._lock:
            self._failures.setdefault(api_method, deque()).append(failure)

    def take_failure(self, api_method: str) -> Failure | None:
        with self._lock:
            queue = self._failures.get(api_method)
            if not queue:
                return None
            failure = queue[0]
            if failure.after > 0:
                failure.after -= 1
                return None
            failure.times -= 1
            if failure.times <= 0:
                queue.popleft()
            return failure

    async def failure_response(self, api_method: str) -> web.Response | None:
        """The queued failure for ``api_method`` as a response (after its delay), if any."""
        delay = self.delays.get(api_method, self.delay)
        if delay:
            await asyncio.sleep(delay)
        failure = self.take_failure(api_method)
        if failure is None:
            return None
        if failure.delay:
            await asyncio.sleep(failure.delay)
        return web.json_response(failure.body, status=failure.status, headers=failure.headers)

    def wait_for(
        self, predicate: Callable[[], bool], timeout: float = 10.0, interval: float = 0.05
    ) -> bool:
        """Poll ``predicate`` until it holds or ``timeout`` passes (for background handlers)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(interval)
        return predicate()


async def read_params(request: web.Request) -> dict[str, Any]:
    """JSON body, form fields or query string, whichever the request carries."""
    if request.content_type == "application/json":
        try:
            data = await request.json()
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    if request.can_read_body:
        form = await request.post()
        return {key: value for key, value in form.items() if isinstance(value, str)}
    return dict(request.query)
