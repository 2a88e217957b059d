// BatchNorm (hlsflow.ir.ops.batch_norm): y[c] = x[c] * scale[c] + shift[c] per channel,
// the exact value assigned once to res_T. scale and shift are raw mantissas of scale_t
// and shift_t. CFG: n_pos, n_chan, scale_t, shift_t.
#ifndef NNET_BATCH_NORM_H_
#define NNET_BATCH_NORM_H_

#include "nnet/positions.h"

namespace nnet {

template <class CFG, class S_RAW, class B_RAW>
struct batch_norm_kernel {
    const S_RAW* scale;
    const B_RAW* shift;
    template <class data_T, class res_T>
    void operator()(const data_T x[CFG::n_chan], res_T y[CFG::n_chan]) const {
        HLSFLOW_INLINE
        for (unsigned c = 0; c < CFG::n_chan; c++) {
            HLSFLOW_UNROLL
            y[c] = x[c] * hlsflow::from_raw<typename CFG::scale_t>(scale[c]) +
                   hlsflow::from_raw<typename CFG::shift_t>(shift[c]);
        }
    }
};

template <class data_T, class res_T, class CFG, class S_RAW, class B_RAW>
void batch_norm(const data_T x[CFG::n_pos * CFG::n_chan], res_T y[CFG::n_pos * CFG::n_chan], const S_RAW scale[],
                const B_RAW shift[]) {
    batch_norm_kernel<CFG, S_RAW, B_RAW> k = {scale, shift};
    positions<data_T, res_T, CFG>(x, y, k);
}

template <class data_T, class res_T, class CFG, class S_RAW, class B_RAW>
void batch_norm_stream(hlsflow::stream<array<data_T, CFG::n_chan> >& x, hlsflow::stream<array<res_T, CFG::n_chan> >& y,
                       const S_RAW scale[], const B_RAW shift[]) {
    batch_norm_kernel<CFG, S_RAW, B_RAW> k = {scale, shift};
    positions_stream<data_T, res_T, CFG>(x, y, k);
}

}  // namespace nnet

#endif
