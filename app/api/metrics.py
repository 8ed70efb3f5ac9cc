"""Prometheus metrics of one application instance."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector


class _Engine:
    """A SQLAlchemy engine's pool, as the gauges read it."""

    def __init__(self, engine: Any) -> None:
        pool = engine.pool
        self.size, self.checked_out = pool.size(), pool.checkedout()
        self.checked_in, self.overflow = pool.checkedin(), pool.overflow()


class PoolCollector(Collector):
    """Gauges read from the pools at scrape time: `write` (transactions), `read` (single
    reads, lists, reports and credential look-ups), `search` (the text search) and
    `download`."""

    def __init__(self, app_state: Any) -> None:
        self.state = app_state

    def collect(self) -> Iterator[GaugeMetricFamily]:
        pools: list[tuple[str, Any]] = [
            (label, make(getattr(self.state, attr)))
            for label, attr, make in (
                ("write", "engine", _Engine),
                ("read", "read_engine", _Engine),
                ("search", "search_engine", _Engine),
                ("download", "download_engine", _Engine),
            )
            if getattr(self.state, attr, None) is not None
        ]
        gauges: tuple[tuple[str, str, Callable[[Any], int]], ...] = (
            ("dondoc_db_pool_size", "Configured pool size", lambda p: p.size),
            ("dondoc_db_pool_checked_out", "Connections in use", lambda p: p.checked_out),
            ("dondoc_db_pool_checked_in", "Idle connections in the pool", lambda p: p.checked_in),
            ("dondoc_db_pool_overflow", "Connections beyond the pool size", lambda p: p.overflow),
        )
        for name, doc, read in gauges:
            family = GaugeMetricFamily(name, doc, labels=["pool"])
            for label, pool in pools:
                family.add_metric([label], read(pool))
            yield family


class Metrics:
    def __init__(self, app_state: Any) -> None:
        self.registry = CollectorRegistry()
        self._counters: dict[tuple[str, str, int], Any] = {}
        self._timers: dict[tuple[str, str], Any] = {}
        self.requests = Counter(
            "dondoc_http_requests",
            "HTTP requests by method, route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "dondoc_http_request_duration_seconds",
            "HTTP request latency by method and route",
            ["method", "route"],
            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.registry.register(PoolCollector(app_state))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        # The labelled series looked up once each (routes and statuses are few): the client's
        # `labels()` checks and locks on every call.
        key = (method, route, status)
        counter = self._counters.get(key)
        if counter is None:
            counter = self._counters[key] = self.requests.labels(method, route, str(status))
        counter.inc()
        timer = self._timers.get(key[:2])
        if timer is None:
            timer = self._timers[key[:2]] = self.latency.labels(method, route)
        timer.observe(seconds)
