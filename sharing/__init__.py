"""Share links: a read-only, token-addressed view of one workspace page for people without an account.

`models` (the link), `ranges` (fixed or rolling dates), `services` (create, resolve, revoke, count a view),
`guards` (rate limit and password throttle), `forms`, `views` (the admins' page and the shared pages).
"""
