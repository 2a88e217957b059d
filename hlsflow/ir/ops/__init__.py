"""IR operations, one per module. ``OPS`` maps op names to classes (explicit, no scanning)."""

from __future__ import annotations

from hlsflow.ir.ops.activation import Activation
from hlsflow.ir.ops.base import Op, OpError
from hlsflow.ir.ops.batch_norm import BatchNorm
from hlsflow.ir.ops.concatenate import Concatenate
from hlsflow.ir.ops.conv1d import Conv1D
from hlsflow.ir.ops.conv2d import Conv2D
from hlsflow.ir.ops.dense import Dense
from hlsflow.ir.ops.depthwise_conv2d import DepthwiseConv2D
from hlsflow.ir.ops.dropout import Dropout
from hlsflow.ir.ops.flatten import Flatten
from hlsflow.ir.ops.global_pool import GlobalPool
from hlsflow.ir.ops.input import Input
from hlsflow.ir.ops.merge import Merge
from hlsflow.ir.ops.pointwise_conv import PointwiseConv
from hlsflow.ir.ops.pool import Pool
from hlsflow.ir.ops.quantize import Quantize
from hlsflow.ir.ops.reshape import Reshape
from hlsflow.ir.ops.softmax import Softmax
from hlsflow.ir.ops.zero_padding import ZeroPadding

OPS: dict[str, type[Op]] = {
    cls.name: cls
    for cls in (
        Input,
        Dense,
        PointwiseConv,
        Conv1D,
        Conv2D,
        DepthwiseConv2D,
        Pool,
        GlobalPool,
        BatchNorm,
        Activation,
        Softmax,
        Flatten,
        Reshape,
        ZeroPadding,
        Merge,
        Concatenate,
        Dropout,
        Quantize,
    )
}

__all__ = ["OPS", "Op", "OpError", *(cls.__name__ for cls in OPS.values())]
