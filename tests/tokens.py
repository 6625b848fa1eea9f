"""Bearer headers for tests, minted with the dev-mode settings every app uses by default."""

from shared.auth import AuthSettings, Role, mint_token


def bearer(*roles: Role, subject: str = "tester") -> dict[str, str]:
    token = mint_token(AuthSettings(), subject=subject, roles=roles)
    return {"Authorization": f"Bearer {token}"}
