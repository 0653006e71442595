"""The public read API in JSON (`/api/…`): search, open datasets and OCDS, described by an
OpenAPI document, with tokens for integrations and rate limits."""
