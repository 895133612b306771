"""The model: populations (synthetic or read), compiled tables, the fast engine and the
reference engine (the oracle), behaviour, and the runner that streams chunks to them."""
