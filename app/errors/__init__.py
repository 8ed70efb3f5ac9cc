"""Domain errors, the catalogue of problem kinds, and their RFC 9457 rendering in English and Vietnamese."""
