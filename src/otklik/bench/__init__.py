"""The benchmarks behind `otklik bench`: one module per benchmark (imports, analysis, review).
They sit above the services they time, so no service imports a benchmark; each timed run of
the import and analysis benchmarks is a child process (`python -m otklik.bench.NAME`), so its
peak memory is its own."""
