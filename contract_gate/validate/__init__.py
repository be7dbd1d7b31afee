"""Structural validation against the OpenAPI/Swagger schemas (openapi-spec-validator)."""
