"""Code shared by every S&OP service: settings, database, errors, types, contracts."""
