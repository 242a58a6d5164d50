"""The network: the dream's gradient ascent, the model registry, the rebuilt networks and their weights."""
