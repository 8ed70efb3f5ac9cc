"""Directives (chỉ đạo, kết luận): what leaders decided, and the summary of the tasks they assign."""
