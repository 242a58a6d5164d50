"""The plan: a dream spec resolved to one record per frame, and every path of a project."""
