"""Tasks (nhiệm vụ): assignment, lifecycle, deadlines, timeliness, activity, sub-tasks, the deadline scheduler."""
