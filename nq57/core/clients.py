"""The address of the client behind the reverse proxy, for rate limits and the login lockout."""

import ipaddress

from django.conf import settings


def client_address(request):
    """REMOTE_ADDR, or — when the request came through a trusted proxy (nginx on the same host by default) —
    the right-most address of X-Forwarded-For that is not itself a trusted proxy (the left part can be forged)."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    trusted = set(settings.TRUSTED_PROXIES)
    if remote not in trusted:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return remote  # a malformed header: fall back to the proxy's own address
        if hop not in trusted:
            return hop
    return remote
