// clone_stream: copy one stream into 2-4 streams, one per consumer (a stream is read once).
#ifndef NNET_CLONE_H_
#define NNET_CLONE_H_

#include "nnet/array.h"

namespace nnet {

template <class data_T, class res_T, class CFG, class W>
void clone_stream(hlsflow::stream<W>& in, hlsflow::stream<W>& o0, hlsflow::stream<W>& o1) {
    for (unsigned i = 0; i < CFG::n_words; i++) {
        HLSFLOW_PIPELINE(1)
        W w = in.read();
        o0.write(w);
        o1.write(w);
    }
}

template <class data_T, class res_T, class CFG, class W>
void clone_stream(hlsflow::stream<W>& in, hlsflow::stream<W>& o0, hlsflow::stream<W>& o1, hlsflow::stream<W>& o2) {
    for (unsigned i = 0; i < CFG::n_words; i++) {
        HLSFLOW_PIPELINE(1)
        W w = in.read();
        o0.write(w);
        o1.write(w);
        o2.write(w);
    }
}

template <class data_T, class res_T, class CFG, class W>
void clone_stream(hlsflow::stream<W>& in, hlsflow::stream<W>& o0, hlsflow::stream<W>& o1, hlsflow::stream<W>& o2, hlsflow::stream<W>& o3) {
    for (unsigned i = 0; i < CFG::n_words; i++) {
        HLSFLOW_PIPELINE(1)
        W w = in.read();
        o0.write(w);
        o1.write(w);
        o2.write(w);
        o3.write(w);
    }
}

}  // namespace nnet

#endif
