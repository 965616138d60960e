"""A small HTTP/1.1 keep-alive load generator on raw asyncio streams.

Each virtual client holds one connection and sends its next request as soon
as the previous answer is read (a closed loop, like wrk). Clients are spread
over several processes so the generator is not held to one core. Only what
a measurement needs is parsed: the status line, Content-Length or chunked
framing, Set-Cookie (so a client keeps its cart cookie) and Connection.

A plan that follows a flow (bench/checkout.py: cart, checkout, payment)
reads the previous answer from `Client.answer` to build the next request,
and may give a request an `expect` check: an answer in 2xx/3xx that fails
it counts as an error of its kind all the same.

Used by bench/storefront.py and bench/checkout.py; no dependency beyond the
standard library.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Answer:
    """What a server answered: the status, the head (status line and headers) and the body."""

    status: int
    head: bytes
    body: bytes

    def header(self, name: str) -> str | None:
        """The first header of that name (case-insensitive), or None."""
        wanted = name.lower().encode("latin-1") + b":"
        for line in self.head.split(b"\r\n")[1:]:
            if line.lower().startswith(wanted):
                return line[len(wanted) :].strip().decode("latin-1")
        return None


@dataclass(frozen=True)
class Request:
    kind: str  # the page type it is reported under
    method: str
    path: str
    host: str
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    # False for an answer that is wrong although its status is not an error (a form shown again).
    expect: Callable[[Answer], bool] | None = None


@dataclass
class Client:
    """One virtual visitor: its random stream, the cookies servers set, and what its plan remembers."""

    number: int
    rng: random.Random
    cookies: dict[str, str] = field(default_factory=dict)
    state: dict[str, object] = field(default_factory=dict)
    sent: int = 0
    # The answer to the last request; None after a broken connection.
    answer: Answer | None = None


# Makes the next request of a client; called for every request.
Plan = Callable[[Client], Request]


@dataclass
class Result:
    latencies: dict[str, list[float]]  # seconds, per kind
    errors: dict[str, int]  # answers outside 2xx/3xx and broken connections, per kind
    statuses: dict[str, dict[int, int]]
    seconds: float

    def merge(self, other: Result) -> None:
        for kind, values in other.latencies.items():
            self.latencies.setdefault(kind, []).extend(values)
        for kind, n in other.errors.items():
            self.errors[kind] = self.errors.get(kind, 0) + n
        for kind, counts in other.statuses.items():
            mine = self.statuses.setdefault(kind, {})
            for status, n in counts.items():
                mine[status] = mine.get(status, 0) + n
        self.seconds = max(self.seconds, other.seconds)


def percentile(sorted_values: list[float], fraction: float) -> float:
    """The value below which `fraction` of the values lie (nearest rank)."""
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def _encode(request: Request, client: Client) -> bytes:
    lines = [f"{request.method} {request.path} HTTP/1.1", f"Host: {request.host}", "User-Agent: shopwright-bench"]
    lines.extend(f"{name}: {value}" for name, value in request.headers)
    if client.cookies:
        lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in client.cookies.items()))
    if request.method != "GET":
        lines.append(f"Content-Length: {len(request.body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + request.body


def _keep_cookies(head: bytes, client: Client) -> None:
    for line in head.split(b"\r\n")[1:]:
        if line[:11].lower() == b"set-cookie:":
            pair = line[11:].split(b";", 1)[0].strip().decode("latin-1")
            name, _, value = pair.partition("=")
            if value and "max-age=0" not in line.decode("latin-1").lower():
                client.cookies[name] = value
            else:
                client.cookies.pop(name, None)


async def _read_answer(reader: asyncio.StreamReader, client: Client) -> tuple[int, bool]:
    """Read one answer into `client.answer`; returns its status and whether the server keeps the connection open."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    if b"set-cookie:" in lower:
        _keep_cookies(head, client)
    body = b""
    at = lower.find(b"\r\ncontent-length:")
    if at >= 0:
        end = lower.index(b"\r\n", at + 2)
        body = await reader.readexactly(int(lower[at + 17 : end]))
    elif b"transfer-encoding: chunked" in lower:
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunks.append((await reader.readexactly(size + 2))[:size])
            if size == 0:
                break
        body = b"".join(chunks)
    client.answer = Answer(status, head, body)
    return status, b"connection: close" not in lower


async def _client_loop(
    client: Client, plan: Plan, target: tuple[str, int], start: float, warmup_end: float, end: float, result: Result
) -> None:
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    while True:
        now = time.perf_counter()
        if now >= end:
            break
        request = plan(client)
        client.sent += 1
        client.answer = None
        sent_at = now
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(*target)
            assert reader is not None
            sent_at = time.perf_counter()
            writer.write(_encode(request, client))
            status, keep = await _read_answer(reader, client)
            took = time.perf_counter() - sent_at
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            status, keep, took = 0, False, 0.0
        if sent_at >= warmup_end and status:
            result.latencies.setdefault(request.kind, []).append(took)
            counts = result.statuses.setdefault(request.kind, {})
            counts[status] = counts.get(status, 0) + 1
        failed = status == 0 or status >= 400
        if not failed and request.expect is not None and client.answer is not None:
            failed = not request.expect(client.answer)
        if failed and sent_at >= warmup_end:
            result.errors[request.kind] = result.errors.get(request.kind, 0) + 1
        if not keep and writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            reader = writer = None
            if status == 0:
                await asyncio.sleep(0.01)  # a refused connection: do not spin
    if writer is not None:
        writer.close()


async def _run_clients(
    numbers: list[int], make_plan: Callable[[], Plan], url: str, seconds: float, warmup: float, seed: int
) -> Result:
    parts = urlsplit(url)
    target = (parts.hostname or "127.0.0.1", parts.port or 80)
    plan = make_plan()
    result = Result(latencies={}, errors={}, statuses={}, seconds=seconds)
    start = time.perf_counter()
    warmup_end, end = start + warmup, start + warmup + seconds
    clients = [Client(number=n, rng=random.Random(seed * 1000 + n)) for n in numbers]
    await asyncio.gather(*(_client_loop(c, plan, target, start, warmup_end, end, result) for c in clients))
    return result


def _process_main(args: tuple[list[int], Callable[[], Plan], str, float, float, int]) -> Result:
    numbers, make_plan, url, seconds, warmup, seed = args
    return asyncio.run(_run_clients(numbers, make_plan, url, seconds, warmup, seed))


def run(
    *,
    url: str,
    make_plan: Callable[[], Plan],
    clients: int,
    seconds: float,
    warmup: float = 2.0,
    processes: int = 2,
    seed: int = 1,
) -> Result:
    """Drive `url` with `clients` closed-loop clients for `warmup` + `seconds`; measure the last `seconds`.

    `make_plan` is called once in each generator process (it must be
    picklable: a module-level function or a functools.partial of one).
    """
    processes = max(1, min(processes, clients))
    groups = [list(range(p, clients, processes)) for p in range(processes)]
    jobs = [(g, make_plan, url, seconds, warmup, seed) for g in groups]
    if processes == 1:
        return _process_main(jobs[0])
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        parts = pool.map(_process_main, jobs)
    total = parts[0]
    for part in parts[1:]:
        total.merge(part)
    return total
