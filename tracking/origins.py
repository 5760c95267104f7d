"""Origins as browsers send them in the `Origin` header: scheme://host[:port], nothing else."""

from __future__ import annotations

from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


class InvalidOrigin(ValueError):
    pass


def normalise_origin(text: str) -> str:
    """`text` as the Origin header would spell it ("https://Example.com:443/" → "https://example.com").

    Raises InvalidOrigin for anything but http(s)://host[:port] (a path, query, fragment or user is refused).
    """
    text = text.strip()
    if text.endswith("/") and text.count("/") == 3:  # "https://example.com/": the root, no path
        text = text[:-1]
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as error:
        raise InvalidOrigin(f"“{text}” is not an origin ({error}).") from error
    if parts.scheme not in DEFAULT_PORTS:
        raise InvalidOrigin(f"“{text}”: an origin starts with http:// or https://.")
    if not parts.hostname or parts.username or parts.password:
        raise InvalidOrigin(f"“{text}”: an origin is scheme://host[:port], with a host and no user.")
    if parts.path or parts.query or parts.fragment:
        raise InvalidOrigin(f"“{text}”: an origin has no path, query or fragment (scheme://host[:port] only).")
    host = parts.hostname.lower()
    if ":" in host:  # IPv6
        host = f"[{host}]"
    if port is None or port == DEFAULT_PORTS[parts.scheme]:
        return f"{parts.scheme}://{host}"
    return f"{parts.scheme}://{host}:{port}"
