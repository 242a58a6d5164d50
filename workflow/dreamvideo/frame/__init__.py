"""A frame: its record and input files to its pixels, step by step (camera, colour, carry, dream, mask)."""
