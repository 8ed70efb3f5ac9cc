"""What everything depends on and which depends on nothing of the service: settings, the clock, the day rules are judged on, ids, text rules, enums."""
