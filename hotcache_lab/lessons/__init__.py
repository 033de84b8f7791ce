"""One module per notebook: its stand-in functions, its demos and the callbacks its sliders call.

The top layer: nothing else in the package imports it.
"""
