"""The estate: calls between services as pairs, their alignment and budgets, the metrics."""
