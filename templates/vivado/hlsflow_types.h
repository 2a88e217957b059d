// hlsflow type layer for Vivado/Vitis HLS: ap_fixed / ap_int / hls::stream.
// The layer library (nnet/*.h) is written against this small interface only, so the
// Catapult backend supplies its own version (ac_fixed / ac_int / ac_channel) and the
// library itself is shared, not copied.
#ifndef HLSFLOW_TYPES_H_
#define HLSFLOW_TYPES_H_

#include "ap_fixed.h"
#include "ap_int.h"
#include "hls_stream.h"

#define HLSFLOW_STR_(x) #x
#define HLSFLOW_STR(x) HLSFLOW_STR_(x)
#define HLSFLOW_PRAGMA(x) _Pragma(HLSFLOW_STR(x))
#define HLSFLOW_UNROLL HLSFLOW_PRAGMA(HLS UNROLL)
#define HLSFLOW_PIPELINE(ii) HLSFLOW_PRAGMA(HLS PIPELINE II = ii)
#define HLSFLOW_PARTITION(var) HLSFLOW_PRAGMA(HLS ARRAY_PARTITION variable = var complete)
#define HLSFLOW_INLINE HLSFLOW_PRAGMA(HLS INLINE)

namespace hlsflow {

// Integer raw mantissa <-> fixed-point value (the value is raw * 2^-(W-I)).
template <class T>
inline T from_raw(long long raw) {
    T x;
    x.range() = raw;
    return x;
}

template <int W, int I, ap_q_mode Q, ap_o_mode O, int N>
inline long long to_raw(const ap_fixed<W, I, Q, O, N>& x) {
    ap_int<W> r;
    r.range() = x.range();
    return r.to_int64();
}

template <int W, int I, ap_q_mode Q, ap_o_mode O, int N>
inline long long to_raw(const ap_ufixed<W, I, Q, O, N>& x) {
    ap_uint<W> r;
    r.range() = x.range();
    return (long long)r.to_uint64();
}

template <class T>
using stream = hls::stream<T>;

}  // namespace hlsflow

#endif
