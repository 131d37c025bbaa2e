"""The JetStream stream that carries federated events, and the subjects around it (DESIGN §5).

One stream holds every region's messages; it is also the national replay source, so by
default nothing expires and nothing may be deleted or purged. The duplicate window makes a
re-sent message with the same `Nats-Msg-Id` (`<REGION>:<seq>`) a no-op: at-least-once on the
wire, once in the stream.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nats.js import JetStreamManager
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig, StreamInfo
from nats.js.errors import BadRequestError, NotFoundError

from federation.contract import CONTROL_PREFIX, SUBJECT_PREFIX

#: The stream's name; the federation's NATS permissions are scoped to it.
STREAM_NAME = "DRAIS"
#: Everything regions publish: `drais.v1.<REGION>.<aggregate>.<event>`.
STREAM_SUBJECTS: tuple[str, ...] = (f"{SUBJECT_PREFIX}.>",)
#: Seconds during which a repeated `Nats-Msg-Id` is dropped; longer than any retry burst.
DEFAULT_DUPLICATE_WINDOW = 120.0


_REGION = re.compile(r"^MA-(0[1-9]|1[0-2])$")

# JetStream's error code when a stream name is taken with a different configuration.
_STREAM_NAME_IN_USE = 10058


def check_region(region: str) -> str:
    """The region code, refused unless it is `MA-01` … `MA-12` (it goes into subjects)."""
    if not _REGION.match(region):
        raise ValueError(f"not a region code (MA-01 … MA-12): {region!r}")
    return region


def region_subjects(region: str) -> str:
    """The subjects a region may publish to: `drais.v1.<REGION>.>`."""
    return f"{SUBJECT_PREFIX}.{check_region(region)}.>"


def control_subjects(region: str) -> str:
    """The control subjects a region listens to: `drais.ctl.<REGION>.>`."""
    return f"{CONTROL_PREFIX}.{check_region(region)}.>"


@dataclass(frozen=True, slots=True)
class StreamSettings:
    """The stream's configuration; defaults suit one server keeping the national history.

    Limits of 0 or -1 mean none. `discard="new"`: when a size limit is reached the stream
    refuses new messages (the forwarder retries and its lag shows) rather than silently
    dropping the oldest national history.
    """

    name: str = STREAM_NAME
    subjects: tuple[str, ...] = STREAM_SUBJECTS
    duplicate_window: float = DEFAULT_DUPLICATE_WINDOW
    max_age: float = 0.0
    max_msgs: int = -1
    max_bytes: int = -1
    max_msg_size: int = -1
    replicas: int = 1
    discard: DiscardPolicy = DiscardPolicy.NEW
    deny_delete: bool = True
    deny_purge: bool = True

    def wanted(self) -> dict[str, object]:
        """The fields this module owns, as `StreamConfig` attributes."""
        return {
            "subjects": list(self.subjects),
            "retention": RetentionPolicy.LIMITS,
            "storage": StorageType.FILE,
            "discard": self.discard,
            "duplicate_window": float(self.duplicate_window),
            "max_age": float(self.max_age),
            "max_msgs": self.max_msgs,
            "max_bytes": self.max_bytes,
            "max_msg_size": self.max_msg_size,
            "num_replicas": self.replicas,
            "deny_delete": self.deny_delete,
            "deny_purge": self.deny_purge,
        }

    def config(self) -> StreamConfig:
        return StreamConfig(name=self.name, **self.wanted())  # type: ignore[arg-type]


def differences(current: StreamConfig, settings: StreamSettings) -> dict[str, object]:
    """The owned fields whose current value differs from the settings (empty: leave it)."""
    changed: dict[str, object] = {}
    for field, value in settings.wanted().items():
        have = getattr(current, field)
        if field == "subjects":
            same = sorted(have or []) == sorted(value)  # type: ignore[call-overload]
        elif field in ("duplicate_window", "max_age"):
            same = abs(float(have or 0.0) - float(value)) < 1e-6  # type: ignore[arg-type]
        else:
            same = have == value
        if not same:
            changed[field] = value
    return changed


async def ensure_stream(js: JetStreamManager, settings: StreamSettings | None = None) -> StreamInfo:
    """Create the stream, or bring an existing one to `settings`; idempotent.

    An existing stream already matching is left alone (no update request), so every process
    may call this at start. Fields not owned here (description, placement, ...) are kept.
    The storage type and retention policy cannot change on a live stream: the server's
    refusal is raised.
    """
    settings = settings or StreamSettings()
    try:
        info = await js.stream_info(settings.name)
    except NotFoundError:
        try:
            return await js.add_stream(settings.config())
        except BadRequestError as error:
            if error.err_code != _STREAM_NAME_IN_USE:
                raise
            # Created concurrently by another process: reconcile below.
            info = await js.stream_info(settings.name)
    changed = differences(info.config, settings)
    if not changed:
        return info
    return await js.update_stream(info.config.evolve(**changed))
