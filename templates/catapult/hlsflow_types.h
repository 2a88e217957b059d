// hlsflow type layer for Catapult HLS: ac_fixed / ac_int / ac_channel. Same interface as
// templates/vivado/hlsflow_types.h, so the layer library (nnet/*.h) is shared unchanged.
#ifndef HLSFLOW_TYPES_H_
#define HLSFLOW_TYPES_H_

#include "ac_channel.h"
#include "ac_fixed.h"
#include "ac_int.h"

#define HLSFLOW_STR_(x) #x
#define HLSFLOW_STR(x) HLSFLOW_STR_(x)
#define HLSFLOW_PRAGMA(x) _Pragma(HLSFLOW_STR(x))
#define HLSFLOW_UNROLL HLSFLOW_PRAGMA(hls_unroll yes)
#define HLSFLOW_PIPELINE(ii) HLSFLOW_PRAGMA(hls_pipeline_init_interval ii)
// Catapult has no array-partition pragma: arrays of an unrolled loop are mapped to
// registers by the build script's directives, and functions are inlined by default.
#define HLSFLOW_PARTITION(var)
#define HLSFLOW_INLINE

namespace hlsflow {

// Integer raw mantissa <-> fixed-point value (the value is raw * 2^-(W-I)).
template <class T>
inline T from_raw(long long raw) {
    T x;
    x.set_slc(0, ac_int<T::width, true>(raw));
    return x;
}

template <int W, int I, bool S, ac_q_mode Q, ac_o_mode O>
inline long long to_raw(const ac_fixed<W, I, S, Q, O>& x) {
    return x.template slc<W>(0).to_int64();
}

template <class T>
using stream = ac_channel<T>;

}  // namespace hlsflow

#endif
