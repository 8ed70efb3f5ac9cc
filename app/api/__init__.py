"""The HTTP layer every feature shares: dependencies, connections, middleware, idempotency, the OpenAPI document."""
