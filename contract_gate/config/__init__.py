"""Configuration: the declared settings, how they are found and read, their pydantic model."""
