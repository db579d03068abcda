"""Demo and scale data: `manage.py load_demo` (the Mopti and Iraq operations, run by `make run`) and
`manage.py generate_scale_data` (1,000,000 households for the benchmarks).

A top-level app of its own because it writes through every other app (accounts, sites, kits,
beneficiaries, projects, distributions) and nothing imports it: kept in `projects` it made
`distributions` import `projects` (docs/architecture.md).
"""
