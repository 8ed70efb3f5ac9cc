"""Proposals (đề xuất, kiến nghị): what agencies ask the committee for, and the answers."""
