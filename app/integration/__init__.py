"""What other systems consume: the change feed and webhooks with their delivery outbox."""
