"""An upload handler that stops reading a file once it passes the import's size limit.

Django streams a big upload to a temporary file before any view sees it. This
handler runs first and stops the upload at the limit, so a 200 MB file is
neither kept in memory nor written to disk: the rest of the request body is
read and thrown away, and the view refuses the file with its size.
"""

from __future__ import annotations

from django.core.files.uploadhandler import FileUploadHandler, StopUpload


class UploadSizeLimit(FileUploadHandler):
    def __init__(self, request, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.request_length = 0
        # The size of the upload refused (the request's length, the best measure before reading it), or None.
        self.refused_size: int | None = None

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.request_length = content_length or 0
        return None

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            self.refused_size = max(self.request_length, start + len(raw_data))
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
