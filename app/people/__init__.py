"""People: officials and their divisions, comments and mentions, and the notices they are sent."""
