// Concatenation of two tensors (hlsflow.ir.ops.concatenate); n > 2 inputs are lowered to
// a chain. Every value is assigned once to res_T (intermediate types hold every input
// exactly).
// concatenate: along any axis. With n_pos = the product of the dims before the axis,
// each position of the output is one block of a (n_chan0 elements) then one of b
// (n_chan1); in io_stream this is the last axis, a block being one word. CFG: n_pos,
// n_chan0, n_chan1, n_chan = n_chan0 + n_chan1.
// concatenate_words_stream: io_stream, an axis before the last: for each of n_pos
// outer positions, n_words0 words of a then n_words1 words of b (n_chan each).
#ifndef NNET_CONCATENATE_H_
#define NNET_CONCATENATE_H_

#include "nnet/positions.h"

namespace nnet {

// y = a followed by b.
template <class CFG>
struct concatenate_kernel {
    template <class data0_T, class data1_T, class res_T>
    void operator()(const data0_T a[CFG::n_chan0], const data1_T b[CFG::n_chan1], res_T y[CFG::n_chan]) const {
        HLSFLOW_INLINE
        copy_channels<CFG::n_chan0>()(a, y);
        copy_channels<CFG::n_chan1>()(b, &y[CFG::n_chan0]);
    }
};

template <class data0_T, class data1_T, class res_T, class CFG>
void concatenate(const data0_T a[CFG::n_pos * CFG::n_chan0], const data1_T b[CFG::n_pos * CFG::n_chan1],
                 res_T y[CFG::n_pos * CFG::n_chan]) {
    positions2<data0_T, data1_T, res_T, CFG>(a, b, y, concatenate_kernel<CFG>());
}

template <class data0_T, class data1_T, class res_T, class CFG>
void concatenate_stream(hlsflow::stream<array<data0_T, CFG::n_chan0> >& a,
                        hlsflow::stream<array<data1_T, CFG::n_chan1> >& b, hlsflow::stream<array<res_T, CFG::n_chan> >& y) {
    positions2_stream<data0_T, data1_T, res_T, CFG>(a, b, y, concatenate_kernel<CFG>());
}

// The geometry positions_stream needs to copy N words of C channels.
template <unsigned N, unsigned C>
struct word_block {
    static const unsigned n_pos = N;
    static const unsigned n_chan = C;
};

template <class data0_T, class data1_T, class res_T, class CFG>
void concatenate_words_stream(hlsflow::stream<array<data0_T, CFG::n_chan> >& a,
                              hlsflow::stream<array<data1_T, CFG::n_chan> >& b,
                              hlsflow::stream<array<res_T, CFG::n_chan> >& y) {
    for (unsigned p = 0; p < CFG::n_pos; p++) {
        positions_stream<data0_T, res_T, word_block<CFG::n_words0, CFG::n_chan> >(a, y, copy_channels<CFG::n_chan>());
        positions_stream<data1_T, res_T, word_block<CFG::n_words1, CFG::n_chan> >(b, y, copy_channels<CFG::n_chan>());
    }
}

}  // namespace nnet

#endif
