"""What every process does to be safe to expose: refuse to start on unsafe auth settings,
cap request bodies, and send security headers on every response.

``install_security(app, settings=...)`` is the one entry point; every service calls it from
``shared.app.create_service_app``, and the gateway can call it the same way.
"""

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.auth import AuthSettings, is_loopback
from shared.errors import bearer_challenge
from shared.limits import BodySizeLimit
from shared.settings import ServiceSettings

MIN_SECRET_BYTES = 32  # HS256 needs a key at least as long as its 256-bit hash (RFC 7518 3.2)

SECURITY_HEADERS = (
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("content-security-policy", "frame-ancestors 'none'"),
    ("referrer-policy", "no-referrer"),
)


class InsecureConfiguration(RuntimeError):
    """The process must not start with these settings; the message says what to change."""


def startup_problems(*, auth: AuthSettings, host: str) -> list[str]:
    """Why a process with these auth settings must not start bound to ``host``; empty if it may.

    The rule. Everywhere:
    - dev mode's secret has at least 32 bytes (a shorter HS256 key can be brute-forced);
    - tokens are minted for no longer than they may live (token_minutes <= max_token_minutes);
    - oidc mode names its JWKS URL (without keys no token can be verified).
    In production, that is with ``SOP_ENV=production`` or bound to anything but loopback
    (others can reach the process), auth must be real:
    - dev mode needs a secret of its own, not the public default anyone can sign any role with;
    - oidc fetches its keys over https (keys fetched in clear can be swapped in transit).
    """
    problems = []
    production = auth.environment == "production" or not is_loopback(host)
    where = f"SOP_ENV={auth.environment}, bound to {host!r}"
    if auth.mode == "dev":
        if len(auth.secret.encode()) < MIN_SECRET_BYTES:
            problems.append(f"SOP_AUTH_SECRET has fewer than {MIN_SECRET_BYTES} bytes")
        if production and auth.uses_public_secret:
            problems.append(
                f"SOP_AUTH_SECRET is the public development secret ({where}): set a random "
                "one (e.g. `openssl rand -hex 32`) or SOP_AUTH_MODE=oidc"
            )
    elif not auth.jwks_url:
        problems.append("SOP_AUTH_MODE=oidc needs SOP_AUTH_JWKS_URL")
    elif production and not auth.jwks_url.startswith("https://"):
        problems.append(f"SOP_AUTH_JWKS_URL must be https ({where})")
    if auth.token_minutes > auth.max_token_minutes:
        problems.append(
            f"SOP_AUTH_TOKEN_MINUTES ({auth.token_minutes}) exceeds "
            f"SOP_AUTH_MAX_TOKEN_MINUTES ({auth.max_token_minutes})"
        )
    return problems


class SecurityHeaders:
    """Pure ASGI middleware: the headers of ``SECURITY_HEADERS`` on every response; on 401 and
    403 ``Cache-Control: no-store``; on a 401 without a challenge the bare Bearer challenge
    (RFC 6750), so every 401 names the scheme. What a response sets itself is kept."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS:
                    headers.setdefault(name, value)
                if message["status"] in (401, 403):
                    headers.setdefault("cache-control", "no-store")
                if message["status"] == 401:
                    headers.setdefault("www-authenticate", bearer_challenge())
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_security(
    app: Starlette, *, settings: ServiceSettings, auth: AuthSettings | None = None
) -> None:
    """Check the process may start (``startup_problems``), raising ``InsecureConfiguration``
    otherwise, then make ``auth`` (default: from the environment) the app's auth settings, cap
    request bodies at ``settings.max_body_bytes`` and add the security headers."""
    auth = auth or AuthSettings()
    problems = startup_problems(auth=auth, host=settings.host)
    if problems:
        raise InsecureConfiguration("refusing to start: " + "; ".join(problems))
    app.state.auth_settings = auth
    # Added last, so outermost: the 413s of the body limit get the headers too.
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
