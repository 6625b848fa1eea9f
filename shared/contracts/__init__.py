"""Models that cross service boundaries.

Each service's tables inherit these ``*Base`` classes and its API returns the ``*Public``
ones; the gateway parses upstream answers with the same classes. One definition per shape.
"""
