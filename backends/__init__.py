"""hlsflow code-generation backends, installed as ``hlsflow.backends``.

One folder a backend (vivado, vitis, catapult): lowering of the final graph to frozen
view records, type spelling, the project writer, the tool runner and report parser.
"""
