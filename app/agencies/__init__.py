"""Agencies (cơ quan, đơn vị): their tree, their history over time, references by code, and succession."""
