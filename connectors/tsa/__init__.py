"""Time from outside: an RFC 3161 time-stamping authority's client and its reference simulator.

The simulator (``tabadol simulate tsa``) is a TSA of its own, with its own certificate
chain (a root and a time-stamping certificate with the critical ``id-kp-timeStamping``
extended key usage); it builds ``TSTInfo`` and the CMS ``SignedData`` with asn1crypto and
signs with cryptography (ECDSA P-256, SHA-256). It speaks RFC 3161 over HTTP (§3.4):
``POST`` ``application/timestamp-query`` → ``application/timestamp-reply``.
"""
