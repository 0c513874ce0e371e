"""The application shell: the command lines (check, demo, rules, sim, keys, verify, report) and the
orchestration of a run (run_check: inventory, documents, gathering, judging, waivers). Everything
with side effects on this machine — environment variables, files written, containers booted — starts
here; the core (checker.model, checker.engine, checker.catalogue) stays pure."""
