"""Bearer-token authentication and role-based write rights (pyjwt).

Two modes, one code path for everything after verification:
- ``dev`` (default): tokens signed with a shared HS256 secret; ``sop token`` mints them, and
  ``sop up`` prints one per role so a newcomer can call every API locally.
- ``oidc``: tokens issued by a real identity provider, verified against its JWKS URL
  (keys cached by ``PyJWKClient``), issuer and audience checked.
The user's roles come from a configurable claim (``roles`` by default).
"""

import datetime as dt
from collections.abc import Callable, Iterable
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any, Literal

import jwt
from fastapi import Depends, Request
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


class AuthSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SOP_AUTH_", extra="ignore")

    mode: Literal["dev", "oidc"] = "dev"
    secret: str = Field(
        default="sop-local-development-secret-change-me",
        min_length=32,
        description="HS256 signing secret of dev mode; never used in oidc mode.",
    )
    issuer: str = "sop-dev"
    audience: str = "sop"
    jwks_url: str | None = None
    algorithms: list[str] = Field(default_factory=lambda: ["RS256", "ES256"])
    roles_claim: str = "roles"
    token_minutes: int = Field(default=12 * 60, ge=1)


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
    """A dev-mode token (HS256); production tokens come from the identity provider."""
    now = dt.datetime.now(dt.UTC)
    claims = {
        "sub": subject,
        "name": name or subject,
        settings.roles_claim: sorted(str(role) for role in roles),
        "iss": settings.issuer,
        "aud": settings.audience,
        "iat": now,
        "exp": now + dt.timedelta(minutes=minutes or settings.token_minutes),
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
            options={"require": ["exp", "sub"]},
        )
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"invalid bearer token: {exc}") from exc
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


def current_principal(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("a bearer token is required (Authorization: Bearer <token>)")
    principal = verify_token(auth_settings_of(request), token.strip())
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
