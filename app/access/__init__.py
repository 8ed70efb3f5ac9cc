"""Who may do what: credentials (API keys, OIDC tokens), roles, the permission table, the lifecycle engine and visibility."""
