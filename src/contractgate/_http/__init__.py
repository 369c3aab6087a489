"""The HTTP wing: everything between a client method call and the wire (private)."""
