// clone_stream: copy one stream into 2-4 streams, one per consumer (a stream is read once).
#ifndef NNET_CLONE_H_
#define NNET_CLONE_H_

#include "nnet/array.h"

namespace nnet {

template <class data_T, class res_T, class CFG, class S>
void clone_stream(S& in, S& o0, S& o1) {
    for (unsigned i = 0; i < CFG::n_words; i++) {
        HLSFLOW_PIPELINE(1)
        typename S::value_type w = in.read();
        o0.write(w);
        o1.write(w);
    }
}

template <class data_T, class res_T, class CFG, class S>
void clone_stream(S& in, S& o0, S& o1, S& o2) {
    for (unsigned i = 0; i < CFG::n_words; i++) {
        HLSFLOW_PIPELINE(1)
        typename S::value_type w = in.read();
        o0.write(w);
        o1.write(w);
        o2.write(w);
    }
}

template <class data_T, class res_T, class CFG, class S>
void clone_stream(S& in, S& o0, S& o1, S& o2, S& o3) {
    for (unsigned i = 0; i < CFG::n_words; i++) {
        HLSFLOW_PIPELINE(1)
        typename S::value_type w = in.read();
        o0.write(w);
        o1.write(w);
        o2.write(w);
        o3.write(w);
    }
}

}  // namespace nnet

#endif
