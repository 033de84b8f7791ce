"""Expiry: TTL refresh strategies (expire, stale-while-revalidate, XFetch) and the hot key at expiry."""
