"""Cross-cutting HTTP security of the portal: the client's address, cache headers for
logged-in users, the Content-Security-Policy and Permissions-Policy headers, and the
French answer of django-axes when a login is throttled.

Policies themselves are settings (`CONTENT_SECURITY_POLICY`, `CONTENT_SECURITY_POLICY_ADMIN`,
`PERMISSIONS_POLICY`); this module only applies them."""

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.functional import cached_property


def client_ip(request) -> str:
    """The client's IP address. Behind `TRUSTED_PROXY_COUNT` reverse proxies, the address
    the outermost trusted proxy saw (that many entries from the right of
    X-Forwarded-For); otherwise REMOTE_ADDR. A client cannot choose it by sending its own
    X-Forwarded-For: entries to the left of the trusted ones are ignored."""
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR", "")


class PrivateCacheMiddleware:
    """Neither the browser nor a proxy may store what a logged-in user was shown (school
    computers are shared): every response to a request that carries a session, or that
    sets a cookie, or that was computed for an authenticated user gets
    ``Cache-Control: max-age=0, no-cache, no-store, must-revalidate, private``.

    Placed before SessionMiddleware, so that it sees the session cookie that middleware
    sets on the way out (a login, a logout)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            settings.SESSION_COOKIE_NAME in request.COOKIES
            or response.cookies
            or (user is not None and user.is_authenticated)
        ):
            add_never_cache_headers(response)
        return response


class PortalCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with the admin's own policy under the admin's URL
    (Wagtail's admin still needs inline scripts and styles; the portal's pages do not),
    and a Permissions-Policy header on every response."""

    @cached_property
    def admin_prefix(self) -> str:
        from django.urls import reverse

        return reverse("wagtailadmin_home")

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if (
            not report_only
            and parts.config is None
            and request.path_info.startswith(self.admin_prefix)
        ):
            parts.config = settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"]
        return parts

    def process_response(self, request, response):
        response = super().process_response(request, response)
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = settings.PERMISSIONS_POLICY
        return response


def axes_lockout_response(request, original_response=None, credentials=None):
    """What django-axes answers when a username is throttled from this address: the
    portal's login page, in French, with status 429 — on `/connexion/` and on Wagtail's
    `/admin/login/` alike. The same answer whether the account exists or not."""
    from portal.forms import LoginForm

    cool_off = settings.AXES_COOLOFF_TIME
    minutes = int(cool_off.total_seconds() // 60) if cool_off else None
    return render(
        request,
        "portal/login.html",
        {
            "form": LoginForm(request),
            "locked_out": True,
            "cool_off_minutes": minutes,
            "next": request.POST.get("next", "") if request.method == "POST" else "",
        },
        status=429,
    )
