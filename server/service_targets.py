"""Where a SERVICE may go when ``allow_service`` is on: never to loopback, link-local, private
or otherwise non-global addresses (the server's own network: cloud metadata, internal stores),
unless the host is listed in ``service_allowed_hosts``.

The targets are read from the text's tokens (:mod:`sorakg.sparql.text`, Oxigraph's terminals):
the IRI or prefixed name after each ``SERVICE [SILENT]``. A target that cannot be known before
the query runs (a variable, a keyword glued to a name as Oxigraph's scannerless parser may read
it) is refused. Host names are resolved and every address must be global; the engine resolves
the name again when it connects, so a name whose addresses change between the two (DNS
rebinding) is not stopped here: the network namespace of the workers is not there either, since
SERVICE needs the network. List hosts, or keep SERVICE off, where that matters.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from sorakg.sparql.text import lex


class Refused(Exception):
    """A SERVICE target this endpoint does not fetch (the message says which and why)."""


def targets(text: str) -> list[str]:
    """The IRIs of the text's SERVICE targets; :class:`Refused` when one cannot be known."""
    tokens = list(lex(text))
    prefixes: dict[str, str] = {}
    found: list[str] = []
    for index, token in enumerate(tokens):
        upper = token.text.upper()
        if token.kind == "word" and upper == "PREFIX" and index + 2 < len(tokens):
            prefixes[tokens[index + 1].text] = tokens[index + 2].text[1:-1]
        if token.kind not in ("word", "pname") or "SERVICE" not in upper:
            continue
        if token.kind == "pname" or upper != "SERVICE":
            if token.kind == "pname" and index and tokens[index - 1].text.upper() == "PREFIX":
                continue  # PREFIX service: <…>
            raise Refused(f"SERVICE written as {token.text!r}: its target cannot be checked")
        at = index + 1
        if at < len(tokens) and tokens[at].text.upper() == "SILENT":
            at += 1
        target = tokens[at] if at < len(tokens) else None
        if target is not None and target.kind == "iri":
            found.append(target.text[1:-1])
        elif target is not None and target.kind == "pname":
            prefix, _, local = target.text.partition(":")
            if prefix + ":" not in prefixes:
                raise Refused(f"SERVICE {target.text}: its prefix is not declared")
            found.append(prefixes[prefix + ":"] + local)
        else:
            shown = target.text if target is not None else "nothing"
            raise Refused(f"SERVICE {shown}: only a fixed IRI can be checked")
    return found


def _literal_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    try:  # the legacy IPv4 spellings a resolver accepts: 2130706433, 0x7f.1, 0177.0.0.1
        return ipaddress.ip_address(socket.inet_aton(host))
    except OSError:
        return None


async def check(text: str, allowed_hosts: list[str]) -> None:
    """:class:`Refused` unless every SERVICE target of ``text`` is allowed."""
    for iri in targets(text):
        parts = urlsplit(iri)
        host = (parts.hostname or "").lower()
        if host in (h.lower() for h in allowed_hosts):
            continue
        if not host:
            raise Refused(f"SERVICE <{iri}>: no host")
        ip = _literal_ip(host)
        if ip is not None:
            addresses = [ip]
        else:
            try:
                found = await asyncio.get_running_loop().getaddrinfo(host, parts.port or 80)
            except OSError as error:
                raise Refused(f"SERVICE <{iri}>: {host} cannot be resolved ({error})") from None
            addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]
        for address in addresses:
            if not address.is_global:
                raise Refused(
                    f"SERVICE <{iri}>: {host} is a {'loopback, ' if address.is_loopback else ''}"
                    "non-public address, refused unless listed in service_allowed_hosts"
                )
