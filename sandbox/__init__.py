"""Stand-ins for aNewSpring, PE-online and Learning Assistant: small stateful HTTP servers that
follow the seed documents. Used by the tests and by ``make demo``; production settings never
point at them."""
