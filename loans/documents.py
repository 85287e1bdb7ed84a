"""Checks on an uploaded loan document: size and real file type (by its first bytes, not its name)."""

from dataclasses import dataclass

from loans.exceptions import LoanInputError

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
# (magic bytes, content type, extension): what a bank accepts as scans and statements.
_SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)


class DocumentRejected(LoanInputError):
    default_message = "材料文件不符合要求"


@dataclass(frozen=True)
class CheckedDocument:
    content_type: str
    extension: str
    size_bytes: int
    original_name: str


def check_document(upload) -> CheckedDocument:
    """The upload's real type and size, or DocumentRejected with a Chinese message."""
    if upload is None:
        raise DocumentRejected("请选择要上传的文件")
    size = upload.size or 0
    if size == 0:
        raise DocumentRejected("文件是空的，请重新选择")
    if size > MAX_DOCUMENT_BYTES:
        raise DocumentRejected(f"文件过大：单个文件不能超过{MAX_DOCUMENT_BYTES // (1024 * 1024)}MB")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for magic, content_type, extension in _SIGNATURES:
        if head.startswith(magic):
            name = (upload.name or "材料").replace("\\", "/").rsplit("/", 1)[-1][:120]
            return CheckedDocument(content_type, extension, size, name)
    raise DocumentRejected("只支持PDF、JPG、PNG格式的文件")
