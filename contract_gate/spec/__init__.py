"""One spec as a service: its operations and the governance rules on them."""
