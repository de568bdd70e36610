"""Probing a network address before handing it to a cluster client (Dask, Ray), whose own
connection attempts retry for minutes against a service that is not theirs."""

from __future__ import annotations

import socket

__all__ = ["first_bytes"]


def first_bytes(host: str, port: int, count: int, timeout: float, send: bytes = b"") -> bytes:
    """The first ``count`` bytes the service at host:port sends (after ``send``, where given), or
    fewer where it closes the connection first. ``socket.timeout`` and ``OSError`` propagate: the
    caller says what they mean for its protocol."""
    with socket.create_connection((host, port), timeout=timeout) as connection:
        connection.settimeout(timeout)
        if send:
            connection.sendall(send)
        data = b""
        while len(data) < count:
            part = connection.recv(count - len(data))
            if not part:
                break
            data += part
    return data
