"""Administration: API keys, operations (liveness, readiness, metrics, offline docs) and the enumerations."""
