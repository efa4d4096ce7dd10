## DKIM primitives area: crypto, canonicalization, tag lists, signature
## and key-record parsers.
