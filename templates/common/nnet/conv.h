// Convolutions (conv1d, conv2d, depthwise_conv2d): each output position gathers its
// window (padding reads zero) and runs dense_kernel on it with the kernel flattened to
// (n_taps * n_chan, n_out). Only non-zero weights are stored, as (input index, output
// index, raw value) triplets, so a zero weight has no multiplier; a depthwise kernel is
// the block-diagonal case of the same triplets (input channel c feeds outputs c*M..c*M+M-1).
// accum_t is the layer's exact accumulator, so every output is assigned once, exactly
// as the emulator does, whatever the strategy and reuse factor.
//
// CFG: the window geometry of nnet/window.h plus dense_kernel's n_in (= n_taps * n_chan),
//      n_out, n_nonzero, reuse_factor, strategy, accum_t, weight_t, bias_t.
#ifndef NNET_CONV_H_
#define NNET_CONV_H_

#include "nnet/dense.h"
#include "nnet/window.h"

namespace nnet {

struct conv_op {
    template <class data_T, class res_T, class CFG, class W_RAW, class I_RAW, class O_RAW, class B_RAW>
    static void apply(const data_T win[CFG::n_in], const bool valid[CFG::n_taps], res_T out[CFG::n_out], const W_RAW w[],
                      const I_RAW wi[], const O_RAW wo[], const B_RAW b[]) {
        HLSFLOW_INLINE
        typename CFG::accum_t acc[CFG::n_out];
        HLSFLOW_PARTITION(acc)
        dense_kernel<data_T, CFG>(win, acc, w, wi, wo, b);
        assign_all<CFG::n_out>(acc, out);
    }
};

}  // namespace nnet

NNET_LAYER_PAIR(conv, window_op, conv_op)

#endif
