"""Private file storage for loan documents: outside MEDIA_ROOT, never given a URL.

Files are handed out only by `views.document_download`, after `selectors.loan_document_get_for_user`
has decided the user is entitled. The folder is PRIVATE_MEDIA_ROOT when set, else var/private.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    # Read on every use, not cached: the folder follows the settings (tests point it elsewhere).
    @property
    def base_location(self):
        return str(getattr(settings, "PRIVATE_MEDIA_ROOT", Path(settings.VAR_DIR) / "private"))

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None  # url() refuses: these files have no public address

    def url(self, name):
        raise ValueError("私有文件没有公开地址")


_storage = PrivateStorage()


def private_storage() -> PrivateStorage:
    """The storage of LoanDocument.file (a callable, so migrations refer to it by name)."""
    return _storage
