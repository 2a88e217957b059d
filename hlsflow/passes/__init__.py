"""Graph transformations, one per module, run by :mod:`hlsflow.passes.manager`."""

from hlsflow.passes.base import Pass, PassContext
from hlsflow.passes.manager import PASSES, PIPELINES, PassError, PassManager, PassRecord, parse_pipeline

__all__ = ["PASSES", "PIPELINES", "Pass", "PassContext", "PassError", "PassManager", "PassRecord", "parse_pipeline"]
