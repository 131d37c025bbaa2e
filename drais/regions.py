"""A region's folder, made from the template: `drais region init SLUG --code MA-xx` (DESIGN §7).

The template `deploy/regions/_template/` is the single source of a region's files. It is found
next to the `drais` package, at `Path(drais.__file__).resolve().parents[1] / "deploy" /
"regions" / "_template"`: that is the repository root in a checkout and in an editable install
(`pip install -e .`); a plain wheel install does not carry it.

`init_region` copies the template into `<root>/deploy/regions/<slug>/`, fills its placeholders
(`{{region}}`, `{{region_name}}`, …), generates the region's secrets on this machine (the HMAC
pseudonym key and the Ed25519 signing key of `drais.keys`, and a NATS NKey user seed), each
0600 in a 0700 `secrets/` folder, and writes `region.public.json`, the public card the national
administrator admits. Running it again never overwrites a secret or an existing file: it fills
in what is missing and says so.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import stat
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nkeys
from nacl.signing import SigningKey

import drais
from drais import territory
from drais.keys import ensure_secret

#: Where the template lives: next to the `drais` package (a checkout or an editable install).
TEMPLATE = Path(drais.__file__).resolve().parents[1] / "deploy" / "regions" / "_template"

CONFIG_FILE = "node.toml"
CARD_FILE = "region.public.json"
SECRETS_DIR = "secrets"
DATA_DIR = "data"
#: Secret files, as named by the template's node.toml (key in node.toml, default path).
SECRET_FILES: dict[str, str] = {
    "hmac_key_file": f"{SECRETS_DIR}/hmac.key",
    "signing_key_file": f"{SECRETS_DIR}/signing.key",
    "nats_credentials": f"{SECRETS_DIR}/nats.nk",
}
DEFAULT_NATS_URL = "nats://127.0.0.1:4222"

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$")
_NAME = re.compile(r"^\w[\w .,'’()-]*$")
_NATS_URL = re.compile(r"^(nats|tls|ws|wss)://[^\s\"'\\]+$")
_HOST = re.compile(r"^[A-Za-z0-9.:\[\]-]+$")
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_MAX_NAME = 200


class RegionInitError(ValueError):
    """A region folder that cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class RegionFolder:
    """What `init_region` made (or found): the folder, its files and the region's public part."""

    path: Path
    config: Path
    card: Path
    created: bool
    code: str
    name: str
    slug: str
    verify_key: str
    nats_user: str
    added: tuple[Path, ...] = ()
    kept: tuple[Path, ...] = ()
    notes: tuple[str, ...] = ()
    secrets: tuple[Path, ...] = ()

    def public_card(self) -> dict[str, str]:
        """The card's fields, as `federation.admission.RegionCard` reads them."""
        return card_fields(self.code, self.name, self.verify_key, self.nats_user)


def card_fields(code: str, name: str, verify_key: str, nats_user: str) -> dict[str, str]:
    return {"region": code, "name": name, "verify_key": verify_key, "nats_user": nats_user}


def template_dir() -> Path:
    """The region template, refused with instructions when this install does not carry it."""
    if not (TEMPLATE / CONFIG_FILE).is_file():
        raise RegionInitError(
            f"the region template is not at {TEMPLATE}: run drais from a checkout of its "
            "repository, or install it from one with `pip install -e .`"
        )
    return TEMPLATE


def check_slug(slug: str) -> str:
    if slug == "_template":
        raise RegionInitError("the slug _template is reserved for the template itself")
    if not _SLUG.match(slug):
        raise RegionInitError(
            f"invalid slug {slug!r}: use 2 to 40 lowercase ASCII letters, digits and hyphens, "
            "starting and ending with a letter or digit (e.g. souss-massa)"
        )
    return slug


def check_code(code: str) -> str:
    if not territory.is_region(code):
        raise RegionInitError(
            f"{code!r} is not a region code: use MA-01 … MA-12 (e.g. MA-09 for Souss-Massa)"
        )
    return code


def check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > _MAX_NAME or not _NAME.match(name):
        raise RegionInitError(
            f"invalid region name {name!r}: 1 to {_MAX_NAME} characters, letters, digits, "
            "spaces and . , ' ’ ( ) - only"
        )
    return name


def init_region(
    root: Path,
    slug: str,
    code: str,
    name: str | None = None,
    *,
    nats_url: str = DEFAULT_NATS_URL,
    host: str = "127.0.0.1",
    port: int | None = None,
) -> RegionFolder:
    """Make (or complete) `root/deploy/regions/<slug>/` for region `code`.

    `nats_url`, `host` and `port` fill a new node.toml (default port: 8000 + the region's
    number, so that several regions may run on one machine); an existing node.toml is kept as
    it is. Refusals (bad slug, code or name; a slug or a code already taken by another region)
    raise `RegionInitError` before anything is written.
    """
    check_slug(slug)
    check_code(code)
    if name is not None:
        name = check_name(name)
    if not _NATS_URL.match(nats_url):
        raise RegionInitError(f"invalid NATS URL {nats_url!r} (e.g. nats://nats.example:4222)")
    if not _HOST.match(host):
        raise RegionInitError(f"invalid host {host!r}")
    port = 8000 + int(code[3:]) if port is None else port
    if not 0 <= port <= 65535:
        raise RegionInitError(f"invalid port {port}")
    template = template_dir()
    root = Path(root)
    if not root.is_dir():
        raise RegionInitError(f"{root} is not a folder: give the folder that holds deploy/")
    regions_dir = root / "deploy" / "regions"
    folder = regions_dir / slug
    if folder.exists() and not folder.is_dir():
        raise RegionInitError(f"{folder} exists and is not a folder")

    existing = _read_config(folder / CONFIG_FILE)
    held = _folder_region(folder, existing)
    if held is not None and held != code:
        raise RegionInitError(
            f"the slug {slug!r} is already used by region {held} ({folder}): choose another slug"
        )
    for other in _other_folders(regions_dir, slug):
        if _folder_region(other, _read_config(other / CONFIG_FILE, strict=False)) == code:
            raise RegionInitError(
                f"region {code} is already set up in {other}: one folder per region "
                f"(run `drais region init {other.name} --code {code}` to complete it)"
            )

    default_name = territory.regions()[code].name
    configured = str(existing.get("region_name") or "") if existing is not None else ""
    final_name = configured or name or default_name
    notes: list[str] = []
    if existing is not None and name is not None and configured and name != configured:
        notes.append(f"{CONFIG_FILE} keeps region_name {configured!r}; edit it to rename")

    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    values = {
        "region": code,
        "region_name": check_name(final_name),
        "slug": slug,
        "slug_ident": slug.replace("-", "_"),
        "folder": str(folder.resolve()),
        "python": sys.executable,
        "user": _user(),
        "nats_url": nats_url,
        "host": host,
        "port": str(port),
    }
    added: list[Path] = []
    kept: list[Path] = []
    for source in _template_files(template):
        relative = source.relative_to(template)
        target = folder / relative
        if target.exists():
            kept.append(relative)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        text = _fill(source.read_text(encoding="utf-8"), values, source)
        try:
            with target.open("x", encoding="utf-8") as file:
                file.write(text)
        except FileExistsError:
            kept.append(relative)
            continue
        added.append(relative)
    config = _read_config(folder / CONFIG_FILE) or {}

    secrets_dir = folder / SECRETS_DIR
    if not secrets_dir.exists():
        secrets_dir.mkdir(mode=0o700)
    _tighten(secrets_dir, 0o700, folder, notes)
    paths = {
        key: _resolve(folder, config.get(key, default)) for key, default in SECRET_FILES.items()
    }
    for path in paths.values():
        relative = _relative(path, folder)
        if path.exists():
            kept.append(relative)
            _tighten(path, 0o600, folder, notes)
        else:
            added.append(relative)
    verify_key = _signing_key(paths["signing_key_file"]).verify_key
    _hmac_key(paths["hmac_key_file"])
    nats_user = _nats_user(paths["nats_credentials"])

    data_dir = _resolve(folder, config.get("data_dir", DATA_DIR))
    if not data_dir.exists():
        data_dir.mkdir(mode=0o700, parents=True)
        added.append(_relative(data_dir, folder))

    card_path = folder / CARD_FILE
    card = card_fields(code, final_name, bytes(verify_key).hex(), nats_user)
    text = json.dumps(card, indent=2, ensure_ascii=False) + "\n"
    previous = card_path.read_text(encoding="utf-8") if card_path.exists() else None
    if previous != text:
        _replace(card_path, text)
        if previous is None:
            added.append(Path(CARD_FILE))
        else:
            notes.append(f"{CARD_FILE} updated to the current keys and name")
    else:
        kept.append(Path(CARD_FILE))
    fresh = [path for path in paths.values() if _relative(path, folder) in added]
    if fresh and not created and previous is not None:
        notes.append(f"new keys generated: send {CARD_FILE} to the national administrator again")

    return RegionFolder(
        path=folder,
        config=folder / CONFIG_FILE,
        card=card_path,
        created=created,
        code=code,
        name=final_name,
        slug=slug,
        verify_key=card["verify_key"],
        nats_user=nats_user,
        added=tuple(added),
        kept=tuple(kept),
        notes=tuple(notes),
        secrets=tuple(paths.values()),
    )


# -- the folder's files ------------------------------------------------------------------------


def _template_files(template: Path) -> list[Path]:
    """Every file of the template, except anything a run inside it may have left."""
    skip = {SECRETS_DIR, DATA_DIR, "__pycache__", CARD_FILE}
    return sorted(
        path
        for path in template.rglob("*")
        if path.is_file() and not skip.intersection(path.relative_to(template).parts)
    )


def _fill(text: str, values: dict[str, str], source: Path) -> str:
    escape = source.suffix == ".service"  # systemd reads % as a specifier

    def value(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise RegionInitError(
                f"the template {source} uses an unknown placeholder {{{{{key}}}}}"
            )
        filled = values[key]
        return filled.replace("%", "%%") if escape else filled

    return _PLACEHOLDER.sub(value, text)


def _read_config(path: Path, *, strict: bool = True) -> dict[str, Any] | None:
    """The node.toml's values, None when there is none; a broken one is refused (or, when
    not `strict`, treated as unknown)."""
    if not path.is_file():
        return None
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        if not strict:
            return None
        raise RegionInitError(
            f"{path} cannot be read as TOML ({error}): fix or remove it"
        ) from error


def _folder_region(folder: Path, config: dict[str, Any] | None) -> str | None:
    """The region a folder already belongs to: its node.toml's, else its card's."""
    if config is not None and isinstance(config.get("region"), str):
        return str(config["region"])
    card = folder / CARD_FILE
    if card.is_file():
        try:
            region = json.loads(card.read_text(encoding="utf-8")).get("region")
        except (OSError, ValueError, AttributeError):
            return None
        return region if isinstance(region, str) else None
    return None


def _other_folders(regions_dir: Path, slug: str) -> list[Path]:
    if not regions_dir.is_dir():
        return []
    return sorted(
        path
        for path in regions_dir.iterdir()
        if path.is_dir() and path.name != slug and not path.name.startswith(("_", "."))
    )


def _resolve(folder: Path, value: object) -> Path:
    path = Path(str(value))
    return path if path.is_absolute() else folder / path


def _relative(path: Path, folder: Path) -> Path:
    try:
        return path.relative_to(folder)
    except ValueError:
        return path


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid()) if hasattr(os, "getuid") else "drais"


def _replace(path: Path, text: str) -> None:
    """Write a public file whole (a reader never sees half of it)."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _tighten(path: Path, mode: int, folder: Path, notes: list[str]) -> None:
    """Remove group and other access from a secret (or the secrets folder) left open."""
    current = stat.S_IMODE(path.stat().st_mode)
    if current & 0o077:
        path.chmod(mode)
        notes.append(f"{_relative(path, folder)} was readable by others: now {mode:o}")


# -- the secrets -------------------------------------------------------------------------------


def _hmac_key(path: Path) -> bytes:
    try:
        secret = ensure_secret(path)
    except ValueError as error:
        raise RegionInitError(f"{path} is not a key written by drais (hex): {error}") from error
    if len(secret) < 16:
        raise RegionInitError(f"{path} holds a key of {len(secret)} bytes: too short")
    return secret


def _signing_key(path: Path) -> SigningKey:
    try:
        return SigningKey(ensure_secret(path))
    except (ValueError, TypeError) as error:
        raise RegionInitError(f"{path} is not an Ed25519 signing key written by drais") from error


def _nats_user(path: Path) -> str:
    """The public NKey of the user seed in `path`, generated there first if missing."""
    if not path.exists():
        seed = nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_USER)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # written meanwhile by another run: read that one
        else:
            with os.fdopen(fd, "wb") as file:
                file.write(seed + b"\n")
    try:
        pair = nkeys.from_seed(bytearray(path.read_bytes().strip()))
        public = bytes(pair.public_key).decode()
        pair.wipe()
    except Exception as error:  # nkeys raises its own errors, binascii's and ValueError
        raise RegionInitError(f"{path} is not a NATS NKey seed written by drais") from error
    if not public.startswith("U"):
        raise RegionInitError(f"{path} holds an NKey seed that is not a user's")
    return public
