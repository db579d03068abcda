"""Donor reports: figures.py freezes a report's figures once; builders.py draws every format from them
(xlsx.py, pdf.py, hxl.py, iati.py, with labels.py). projects/report_jobs.py runs a report's build as a job."""
