"""A new workspace's guided start: the checklist, sample data, CSV templates and the integrations page.

It sits above every other app (it reads accounts, campaigns and kpis, and loads `sampledata`'s
generator), so nothing below imports it: the dashboard and the navigation show its checklist through
its template tags (`{% load onboarding %}`), by name, the way a page uses any app's tags.
"""
