"""blinrwe: real-world analyses of blinatumomab-treated B-ALL cohorts.

Layers, one way only (a lower layer never imports a higher one):

    model -> intake -> validate -> derive -> stats -> analysis -> report -> app

``model`` declares the input tables once; ``stats`` is independent of the
clinical layers and consumes per-time counts.
"""

__version__ = "0.1.0"
