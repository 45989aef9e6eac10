"""Request-wide plumbing: write context for the audit trail, extra security headers."""

from . import context as write_context


class SecurityHeadersMiddleware:
    """Headers Django does not set itself; also records where writes come from."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        source = "api" if request.path.startswith("/api/") else "web"
        ip = request.META.get("REMOTE_ADDR")
        with write_context.using(source=source, ip=ip):
            response = self.get_response(request)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if request.user.is_authenticated if hasattr(request, "user") else False:
            response.setdefault("Cache-Control", "private, no-store")
        return response
