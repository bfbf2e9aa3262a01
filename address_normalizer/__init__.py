"""Chinese address text: normalise, parse, match. Imports nothing from geo or api."""
