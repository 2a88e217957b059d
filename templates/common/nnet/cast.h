// cast: y = x element by element, assigned to res_T (quantize: its rounding and overflow
// modes act; dropout, linear, flatten and reshape: values pass unchanged). In io_stream
// it keeps the word layout. CFG: n_pos, n_chan.
// repack_stream: io_stream flatten/reshape whose last dimension changes. Both streams
// hold the same elements in the same row-major order, so elements move one per cycle
// from input words of CFG::n_chan_in to output words of CFG::n_chan (no buffering
// beyond one word each). CFG: n_elem, n_chan_in, n_chan.
#ifndef NNET_CAST_H_
#define NNET_CAST_H_

#include "nnet/positions.h"

namespace nnet {

template <class data_T, class res_T, class CFG>
void cast(const data_T x[CFG::n_pos * CFG::n_chan], res_T y[CFG::n_pos * CFG::n_chan]) {
    positions<data_T, res_T, CFG>(x, y, copy_channels<CFG::n_chan>());
}

template <class data_T, class res_T, class CFG>
void cast_stream(hlsflow::stream<array<data_T, CFG::n_chan> >& x, hlsflow::stream<array<res_T, CFG::n_chan> >& y) {
    positions_stream<data_T, res_T, CFG>(x, y, copy_channels<CFG::n_chan>());
}

template <class data_T, class res_T, class CFG>
void repack_stream(hlsflow::stream<array<data_T, CFG::n_chan_in> >& in, hlsflow::stream<array<res_T, CFG::n_chan> >& out) {
    array<data_T, CFG::n_chan_in> wi;
    array<res_T, CFG::n_chan> wo;
    for (unsigned e = 0; e < CFG::n_elem; e++) {
        HLSFLOW_PIPELINE(1)
        const unsigned ci = e % CFG::n_chan_in;
        const unsigned co = e % CFG::n_chan;
        if (ci == 0) wi = in.read();
        wo.data[co] = wi.data[ci];
        if (co == CFG::n_chan - 1) out.write(wo);
    }
}

}  // namespace nnet

#endif
