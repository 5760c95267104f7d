"""`make loadtest`: a bounded locust run against gunicorn + PostgreSQL (as an ordinary role, under RLS) + a worker."""
