"""Feeds the read models from the notification log, exactly once.

Each batch of notifications is applied and the new position stored in one SQL transaction, so
a crash leaves the read models at a position they really reflect and the next run resumes
from there. SQLite cannot push notifications, so a background thread polls.
"""

from __future__ import annotations

import logging
import threading

from eventsourcing.application import Application
from sqlalchemy import Engine, select, update

from node.projections import impact_handlers  # noqa: F401 - registers the toolbox's handlers
from node.projections import tables as t
from node.projections.handlers import apply

log = logging.getLogger(__name__)

NAME = "regional"


class Projector:
    def __init__(self, app: Application, engine: Engine, batch_size: int = 500) -> None:
        self.app = app
        self.engine = engine
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        t.metadata.create_all(engine)
        with engine.begin() as conn:
            if conn.execute(select(t.tracking.c.position)).first() is None:
                conn.execute(t.tracking.insert().values(name=NAME, position=0))

    def position(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(t.tracking.c.position)).scalar_one())

    def catch_up(self) -> int:
        """Apply every notification after the stored position; returns how many."""
        applied = 0
        with self._lock:
            while True:
                with self.engine.begin() as conn:
                    position = int(conn.execute(select(t.tracking.c.position)).scalar_one())
                    batch = self.app.recorder.select_notifications(
                        start=position, limit=self.batch_size, inclusive_of_start=False
                    )
                    if not batch:
                        return applied
                    for notification in batch:
                        event = self.app.mapper.to_domain_event(notification)
                        apply(conn, notification.id, event)
                    conn.execute(
                        update(t.tracking)
                        .where(t.tracking.c.name == NAME)
                        .values(position=batch[-1].id)
                    )
                applied += len(batch)

    def rebuild(self) -> int:
        """Drop the read models and replay the whole log into fresh ones."""
        with self._lock:
            t.metadata.drop_all(self.engine)
            t.metadata.create_all(self.engine)
            with self.engine.begin() as conn:
                conn.execute(t.tracking.insert().values(name=NAME, position=0))
        return self.catch_up()

    def start(self, interval: float = 0.5) -> None:
        """Poll in the background for events other processes (an import) appended."""
        if self._thread is not None:
            return
        self._stop.clear()

        def loop() -> None:
            while not self._stop.wait(interval):
                try:
                    self.catch_up()
                except Exception:
                    log.exception("projection catch-up failed; retrying")

        self._thread = threading.Thread(target=loop, name="projector", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
