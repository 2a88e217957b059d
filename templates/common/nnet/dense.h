// Dense over the last axis, with pruned weights removed by construction: only the
// non-zero weights are stored, as (input index, output index, raw value) triplets, so a
// zero weight has no multiplier. Every partial sum is exact: accum_t is sized by hlsflow
// from the actual weights and the input type so that it cannot overflow, which makes the
// result independent of the summation order (Latency and Resource give the same bits).
//
// CFG: n_pos (positions = product of leading dims), n_in, n_out, n_nonzero,
//      reuse_factor, strategy (0 Latency, 1 Resource), accum_t, weight_t, bias_t.
#ifndef NNET_DENSE_H_
#define NNET_DENSE_H_

#include "nnet/array.h"

namespace nnet {

template <class data_T, class CFG, class W_RAW, class I_RAW, class O_RAW, class B_RAW>
void dense_kernel(const data_T x[CFG::n_in], typename CFG::accum_t acc[CFG::n_out], const W_RAW w[],
                  const I_RAW wi[], const O_RAW wo[], const B_RAW b[]) {
    HLSFLOW_INLINE
    for (unsigned j = 0; j < CFG::n_out; j++) {
        HLSFLOW_UNROLL
        acc[j] = hlsflow::from_raw<typename CFG::bias_t>(b[j]);
    }
    if (CFG::strategy == 0) {
        // Latency: one multiplier per non-zero weight, all in parallel.
        for (unsigned k = 0; k < CFG::n_nonzero; k++) {
            HLSFLOW_UNROLL
            acc[wo[k]] += x[wi[k]] * hlsflow::from_raw<typename CFG::weight_t>(w[k]);
        }
    } else {
        // Resource: ceil(n_nonzero / reuse_factor) multipliers, each used reuse_factor
        // times; product k runs in cycle k % reuse_factor.
        const unsigned per_cycle = (CFG::n_nonzero + CFG::reuse_factor - 1) / CFG::reuse_factor;
        for (unsigned r = 0; r < CFG::reuse_factor; r++) {
            HLSFLOW_PIPELINE(1)
            for (unsigned m = 0; m < per_cycle; m++) {
                HLSFLOW_UNROLL
                const unsigned k = m * CFG::reuse_factor + r;
                if (k < CFG::n_nonzero) {
                    acc[wo[k]] += x[wi[k]] * hlsflow::from_raw<typename CFG::weight_t>(w[k]);
                }
            }
        }
    }
}

template <class data_T, class res_T, class CFG, class W_RAW, class I_RAW, class O_RAW, class B_RAW>
void dense(const data_T x[CFG::n_pos * CFG::n_in], res_T y[CFG::n_pos * CFG::n_out], const W_RAW w[],
           const I_RAW wi[], const O_RAW wo[], const B_RAW b[]) {
    for (unsigned p = 0; p < CFG::n_pos; p++) {
        typename CFG::accum_t acc[CFG::n_out];
        HLSFLOW_PARTITION(acc)
        dense_kernel<data_T, CFG>(&x[p * CFG::n_in], acc, w, wi, wo, b);
        for (unsigned j = 0; j < CFG::n_out; j++) {
            HLSFLOW_UNROLL
            y[p * CFG::n_out + j] = acc[j];
        }
    }
}

template <class data_T, class res_T, class CFG, class W_RAW, class I_RAW, class O_RAW, class B_RAW>
void dense_stream(hlsflow::stream<array<data_T, CFG::n_in> >& in, hlsflow::stream<array<res_T, CFG::n_out> >& out,
                  const W_RAW w[], const I_RAW wi[], const O_RAW wo[], const B_RAW b[]) {
    for (unsigned p = 0; p < CFG::n_pos; p++) {
        HLSFLOW_PIPELINE(CFG::reuse_factor)
        data_T x[CFG::n_in];
        HLSFLOW_PARTITION(x)
        unpack(in.read(), x);
        typename CFG::accum_t acc[CFG::n_out];
        HLSFLOW_PARTITION(acc)
        dense_kernel<data_T, CFG>(x, acc, w, wi, wo, b);
        array<res_T, CFG::n_out> word;
        for (unsigned j = 0; j < CFG::n_out; j++) {
            HLSFLOW_UNROLL
            word.data[j] = acc[j];
        }
        out.write(word);
    }
}

}  // namespace nnet

#endif
