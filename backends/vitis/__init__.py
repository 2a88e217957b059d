"""Vitis HLS backend: same project and reports as Vivado HLS, a different tool to run."""
