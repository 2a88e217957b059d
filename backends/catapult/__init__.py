"""Catapult HLS (ASIC) backend."""
