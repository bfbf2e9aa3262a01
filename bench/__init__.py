"""Benchmarks, each printing one JSON object of figures."""
