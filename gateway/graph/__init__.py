"""The GraphQL graph over the three services and the gateway's consensus plans."""
