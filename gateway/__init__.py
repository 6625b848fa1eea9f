"""The gateway: one GraphQL graph over the services, the reconciliation, the S&OP cycle."""
