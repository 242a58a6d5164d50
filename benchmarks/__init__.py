"""The benchmarks: one module per measurement, and report.py, the one writer of their markdown
(results.md, jobs.md, music.md, scale.md, video.md beside them here). Run from the repository
root with the venv's Python: `python -m benchmarks` (the speed report, `--quick`, `--only
preview`) and `python -m benchmarks.<jobs|lock|look|music|scale|video>`. Nothing here is imported
by the workflow."""
