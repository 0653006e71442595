"""Uploaded files: checked by content and size, stored under a name derived from their hash
(a private one under a random name)."""
import hashlib
import io
import os
import secrets
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from market.core.errors import ServiceError

# Allowed kinds, recognised by their first bytes: the extension alone proves nothing.
KINDS = {
    "pdf": ("application/pdf", [b"%PDF-"]),
    "png": ("image/png", [b"\x89PNG\r\n\x1a\n"]),
    "jpg": ("image/jpeg", [b"\xff\xd8\xff"]),
    "jpeg": ("image/jpeg", [b"\xff\xd8\xff"]),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", [b"PK\x03\x04"]),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", [b"PK\x03\x04"]),
}
# Office files are zip archives: what they unpack to is checked too, before anything opens them.
ZIPPED_KINDS = frozenset({"docx", "xlsx"})
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
MAX_PACKING_RATIO = 100  # deflate packs Office XML about 5-20 to 1; a bomb packs a thousand to 1
PACKING_RATIO_FROM_BYTES = 1024 * 1024  # small members may pack tightly without costing anything


@dataclass(frozen=True)
class StoredFile:
    original_filename: str
    stored_name: str
    content_type: str
    size_bytes: int
    sha256: str


class StoredFileColumns:
    """Columns every model of an uploaded file has; `from_stored` fills them."""

    original_filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80))
    content_type: Mapped[str] = mapped_column(String(80))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))

    @classmethod
    def from_stored(cls, stored: StoredFile, **values):
        return cls(original_filename=stored.original_filename, stored_name=stored.stored_name,
                   content_type=stored.content_type, size_bytes=stored.size_bytes, sha256=stored.sha256, **values)


def store(file_storage, allowed: tuple[str, ...] = tuple(KINDS), transform=None, private: bool = False) -> StoredFile:
    """Check and save an uploaded werkzeug FileStorage; raise ServiceError with the reason.

    `transform` changes the bytes written (sealed bids encrypt them); size and digest are of the
    file as uploaded. A `private` file's stored name is random: it tells nothing of the digest or kind."""
    filename = os.path.basename(file_storage.filename or "")
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in allowed:
        raise ServiceError(
            _("Files of this type are not accepted. Allowed: %(kinds)s.", kinds=", ".join(allowed)),
            field="file",
        )
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    data = file_storage.read(limit + 1)
    if len(data) > limit:
        raise ServiceError(
            _("The file is larger than %(mb)s MB.", mb=limit // (1024 * 1024)), field="file"
        )
    if not data:
        raise ServiceError(_("The file is empty."), field="file")
    content_type, signatures = KINDS[extension]
    if not any(data.startswith(sig) for sig in signatures):
        raise ServiceError(
            _("The file's content does not match its .%(ext)s extension.", ext=extension),
            field="file",
        )
    if extension in ZIPPED_KINDS:
        check_unpacked(data, extension)
    digest = hashlib.sha256(data).hexdigest()
    stored_name = secrets.token_hex(20) if private else f"{digest[:16]}-{secrets.token_hex(8)}.{extension}"
    directory = Path(current_app.config["UPLOAD_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    (directory / stored_name).write_bytes(transform(data) if transform else data)
    return StoredFile(filename[:255], stored_name, content_type, len(data), digest)


def check_unpacked(data: bytes, extension: str, field: str = "file") -> None:
    """Refuse a zip-based file (.docx, .xlsx) that would unpack to more than MAX_UNPACKED_BYTES, or
    with a large member packed more tightly than documents ever are (a zip bomb), or that is no zip
    at all. Only the archive's directory is read: zipfile stops every member at its declared size,
    so the declared sizes bound what opening the file later can cost."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError, struct.error,
            NotImplementedError):
        raise ServiceError(_("The file cannot be read as %(kind)s.", kind=extension.upper()), field=field) from None
    if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
        raise ServiceError(_("Unpacked, the file would be larger than %(mb)s MB.",
                             mb=MAX_UNPACKED_BYTES // (1024 * 1024)), field=field)
    if any(member.file_size > PACKING_RATIO_FROM_BYTES
           and member.file_size > MAX_PACKING_RATIO * max(member.compress_size, 1) for member in members):
        raise ServiceError(_("The file is packed far more tightly than a real .%(ext)s file.", ext=extension),
                           field=field)


def path_of(stored_name: str) -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / stored_name


def discard(stored_name: str) -> None:
    """Remove a stored file whose database row was not saved (nothing half-saved)."""
    path_of(stored_name).unlink(missing_ok=True)
