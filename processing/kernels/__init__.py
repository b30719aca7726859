"""The compiled kernels of the processing steps, one module per step that has any.

Each module holds plain functions in numba's subset and ``KERNELS`` (their signatures); the steps
call them through ``sensors.compiled.Kernels``, which finds them compiled ahead of time (at
install, into ``processing.kernels._compiled``) or compiles them with numba on first use.
"""
