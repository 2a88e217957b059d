// Zero padding (1D/2D): a 1x1 window whose padding rows and columns read zero, so
// io_parallel copies with zeros around and io_stream writes zero words around the input
// pixels, reading each input pixel just before it is written.
//
// CFG: the window geometry of nnet/window.h with filt 1x1, strides 1, the pads as
//      pad_top/pad_left and the padded size as out_height/out_width; n_out (= n_chan).
#ifndef NNET_PADDING_H_
#define NNET_PADDING_H_

#include "nnet/window.h"

namespace nnet {

struct copy_op {
    template <class data_T, class res_T, class CFG>
    static void apply(const data_T win[CFG::n_chan], const bool valid[1], res_T out[CFG::n_chan]) {
        HLSFLOW_INLINE
        assign_all<CFG::n_chan>(win, out);
    }
};

}  // namespace nnet

NNET_LAYER_PAIR(zero_padding, window_op, copy_op)

#endif
