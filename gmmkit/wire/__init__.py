"""The wire format between the grader and its worker (``protocol``) and the small programs a
check sends across it (``steps``). It imports neither ``gmmkit.checks`` nor ``gmmkit.grading``:
both sides of the trust boundary use it, so it depends only on the standard library and numpy.
"""

# Set in the worker's environment by the grader: a notebook's own ``check()`` cells do nothing
# there, since the grader judges the same functions on its side of the boundary.
IN_WORKER = "GMMKIT_IN_WORKER"
