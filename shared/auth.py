"""Bearer-token authentication and role-based write rights (pyjwt).

Two modes, one code path for everything after verification:
- ``dev`` (default): tokens signed with a shared HS256 secret; ``sop token`` mints them, and
  ``sop up`` prints one per role so a newcomer can call every API locally.
- ``oidc``: tokens issued by a real identity provider, verified against its JWKS URL
  (keys cached by ``PyJWKClient``), issuer and audience checked.
The user's roles come from a configurable claim (``roles`` by default). Every token must
carry ``iat`` and ``exp`` and live no longer than ``max_token_minutes``.

The built-in dev secret is public (it is in this file), so whoever holds it can sign any
role: a process running on it accepts tokens only from its own machine (``is_remote_peer``),
and ``shared.security.startup_problems`` keeps it from starting where others can reach it.
"""

import datetime as dt
import ipaddress
from collections.abc import Callable, Iterable
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any, Literal

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.errors import Forbidden, Unauthorized


class Role(StrEnum):
    executive_sponsor = "executive_sponsor"
    process_owner = "process_owner"
    sales = "sales"
    marketing = "marketing"
    demand_planner = "demand_planner"
    product_manager = "product_manager"
    supply_planner = "supply_planner"
    operations = "operations"
    procurement = "procurement"
    finance = "finance"
    hr = "hr"
    viewer = "viewer"
    integration = "integration"


DEMAND_WRITERS = frozenset(
    {Role.sales, Role.marketing, Role.demand_planner, Role.product_manager, Role.integration}
)
SUPPLY_WRITERS = frozenset(
    {Role.supply_planner, Role.operations, Role.procurement, Role.hr, Role.integration}
)
FINANCE_WRITERS = frozenset({Role.finance, Role.integration})
# Who runs reconciliation (pre-S&OP is the process owner's) and who may subscribe webhooks.
RECONCILERS = frozenset({Role.process_owner})
WEBHOOK_SUBSCRIBERS = frozenset({Role.process_owner, Role.integration})


# Anyone can read it here: fit for a laptop, never for a process others can reach.
PUBLIC_DEV_SECRET = "sop-local-development-secret-change-me"


class AuthSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SOP_AUTH_", extra="ignore", validate_by_name=True)

    mode: Literal["dev", "oidc"] = "dev"
    # Its length is checked at start-up (shared.security), where a refusal names every problem.
    secret: str = Field(
        default=PUBLIC_DEV_SECRET,
        description="HS256 signing secret of dev mode; never used in oidc mode.",
    )
    issuer: str = "sop-dev"
    audience: str = "sop"
    jwks_url: str | None = None
    algorithms: list[str] = Field(default_factory=lambda: ["RS256", "ES256"])
    roles_claim: str = "roles"
    token_minutes: int = Field(default=12 * 60, ge=1)
    max_token_minutes: int = Field(
        default=12 * 60, ge=1, description="The longest a token may live (exp - iat), any mode."
    )
    # One variable for the whole deployment, hence SOP_ENV rather than SOP_AUTH_ENV.
    environment: Literal["development", "production"] = Field(
        default="development",
        validation_alias="SOP_ENV",
        description="production: refuse to start without real auth, wherever the process binds.",
    )

    @property
    def uses_public_secret(self) -> bool:
        return self.mode == "dev" and self.secret == PUBLIC_DEV_SECRET


class Principal(BaseModel):
    """The authenticated caller."""

    subject: str
    name: str
    roles: frozenset[Role]

    def has_any(self, roles: Iterable[Role]) -> bool:
        return not self.roles.isdisjoint(roles)


def mint_token(
    settings: AuthSettings,
    *,
    subject: str,
    roles: Iterable[Role],
    name: str | None = None,
    minutes: int | None = None,
) -> str:
    """A dev-mode token (HS256); production tokens come from the identity provider.

    Refuses (``ValueError``) a lifetime over ``max_token_minutes``: every process would refuse
    the token anyway.
    """
    lifetime = minutes or settings.token_minutes
    if lifetime > settings.max_token_minutes:
        raise ValueError(
            f"a token may live at most {settings.max_token_minutes} minutes "
            f"(SOP_AUTH_MAX_TOKEN_MINUTES), not {lifetime}"
        )
    now = dt.datetime.now(dt.UTC)
    claims = {
        "sub": subject,
        "name": name or subject,
        settings.roles_claim: sorted(str(role) for role in roles),
        "iss": settings.issuer,
        "aud": settings.audience,
        "iat": now,
        "exp": now + dt.timedelta(minutes=lifetime),
    }
    return jwt.encode(claims, settings.secret, algorithm="HS256")


@lru_cache(maxsize=8)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=300)


def verify_token(settings: AuthSettings, token: str) -> Principal:
    try:
        if settings.mode == "oidc":
            if not settings.jwks_url:
                raise Unauthorized("oidc mode needs SOP_AUTH_JWKS_URL")
            key: Any = _jwks_client(settings.jwks_url).get_signing_key_from_jwt(token).key
            algorithms = settings.algorithms
        else:
            key, algorithms = settings.secret, ["HS256"]
        claims = jwt.decode(
            token,
            key,
            algorithms=algorithms,
            audience=settings.audience,
            issuer=settings.issuer,
            options={"require": ["exp", "iat", "sub"]},
        )
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"invalid bearer token: {exc}", invalid_token=True) from exc
    # pyjwt has checked both convert with int() (a string may too) and refuses an iat in the
    # future, so this also bounds what is left of the token's life.
    lifetime_minutes = (int(claims["exp"]) - int(claims["iat"])) / 60
    if lifetime_minutes > settings.max_token_minutes:
        raise Unauthorized(
            f"invalid bearer token: it lives {lifetime_minutes:.0f} minutes, longer than the "
            f"{settings.max_token_minutes} allowed",
            invalid_token=True,
        )
    raw_roles = claims.get(settings.roles_claim, [])
    if isinstance(raw_roles, str):
        raw_roles = raw_roles.split()
    known = {role.value for role in Role}
    roles = frozenset(Role(r) for r in raw_roles if isinstance(r, str) and r in known)
    return Principal(
        subject=str(claims["sub"]), name=str(claims.get("name", claims["sub"])), roles=roles
    )


def auth_settings_of(request: Request) -> AuthSettings:
    settings: AuthSettings | None = getattr(request.app.state, "auth_settings", None)
    if settings is None:
        settings = request.app.state.auth_settings = AuthSettings()
    return settings


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only: ``localhost`` or a loopback address
    (127.0.0.0/8, ::1). Anything else, a wildcard like 0.0.0.0 or a host name included, may be
    reachable from elsewhere."""
    address = _ip_address(host)
    return host == "localhost" or (address is not None and address.is_loopback)


def is_remote_peer(peer: str | None) -> bool:
    """Whether a request came from another machine: its peer is an IP address outside loopback.

    A TCP server reports the peer as an IP address; a unix socket has none (``None``) and an
    in-process test transport names itself (``testclient``): neither crossed a network.
    """
    address = _ip_address(peer) if peer is not None else None
    return address is not None and not address.is_loopback


def _ip_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


# Declares the bearer scheme in the OpenAPI of every route that needs a token (the header is
# read below, so a missing or malformed one is our 401 with its RFC 6750 challenge).
bearer_scheme = HTTPBearer(
    auto_error=False,
    description="A JWT: `sop token --role <role>` in dev mode, your identity provider's in oidc.",
)


def current_principal(
    request: Request,
    _declared: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)] = None,
) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("a bearer token is required (Authorization: Bearer <token>)")
    settings = auth_settings_of(request)
    # The start-up check sees only the configured host; bound wider than that (uvicorn --host
    # 0.0.0.0 alone), the public secret would let anyone on the network sign an admin token.
    peer = request.client.host if request.client else None
    if settings.uses_public_secret and is_remote_peer(peer):
        raise Unauthorized(
            "this process signs tokens with the public development secret, so it accepts them "
            "only from its own machine; set SOP_AUTH_SECRET or SOP_AUTH_MODE=oidc",
            invalid_token=True,
        )
    principal = verify_token(settings, token.strip())
    request.state.principal = principal
    return principal


CurrentUser = Annotated[Principal, Depends(current_principal)]


def require_roles(roles: Iterable[Role]) -> Callable[[Principal], Principal]:
    """A dependency that lets through only callers holding one of ``roles``."""
    allowed = frozenset(roles)

    def check(principal: CurrentUser) -> Principal:
        if not principal.has_any(allowed):
            raise Forbidden(
                f"this write needs one of the roles {', '.join(sorted(allowed))}; "
                f"you have {', '.join(sorted(principal.roles)) or 'none'}"
            )
        return principal

    return check
