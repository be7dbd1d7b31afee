"""The static contract portal (`contract-gate portal`): an index page and a Swagger UI page per service."""
