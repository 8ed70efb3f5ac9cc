"""The demo scenario: the working session of 28/02/2023 (../shared/seed/) replayed through the
service's own services. Not part of the runtime package: nothing in `app/` imports it."""
