"""Op name -> lowering for the element-wise ops (activation, softmax, batch_norm, quantize,
dropout), the n-input ops (merge, concatenate) and the reshaping ops (flatten, reshape);
one module per op in this package."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hlsflow.backends.common.lowering.activation import lower_activation
from hlsflow.backends.common.lowering.batch_norm import lower_batch_norm
from hlsflow.backends.common.lowering.cast import lower_cast
from hlsflow.backends.common.lowering.concatenate import lower_concatenate
from hlsflow.backends.common.lowering.merge import lower_merge
from hlsflow.backends.common.lowering.reshape import lower_reshape
from hlsflow.backends.common.lowering.softmax import lower_softmax

LOWERINGS_ELEMENTWISE: dict[str, Callable[..., Any]] = dict(
    activation=lower_activation,
    softmax=lower_softmax,
    batch_norm=lower_batch_norm,
    quantize=lower_cast,  # a cast to the quantiser's type
    dropout=lower_cast,  # the identity at inference
    merge=lower_merge,
    concatenate=lower_concatenate,
    flatten=lower_reshape,
    reshape=lower_reshape,
)
