"""Vivado HLS backend: project writer, tool runner and report parser."""
