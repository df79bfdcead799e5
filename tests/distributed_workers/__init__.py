"""Programs that ``tests/test_distributed.py`` runs under ``mpiexec -n N python -m mpi4py -m <module>``.

Each asserts on every rank and prints ``OK <name> rank <r>`` per passed check group, so the test can tell a check
that never ran from one that passed.
"""
