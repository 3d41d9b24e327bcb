"""The self-contained demo: fictional providers served on loopback, checked, changed, alerted."""
